"""The database itself refuses what must never happen (docs/invariants.md), proven from raw SQL.

Each refusal is tried with ``text()`` straight at the tables, past every service, on SQLite and
PostgreSQL. Where SQLite cannot hold a rule (a transfer left with one leg at commit), the test
says so and shows ``exchange ledger verify`` naming it instead.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from exchange.asks import service as asks
from exchange.ledger import service as ledger
from exchange.members.models import Member
from tests.integration.support import act, add_members, post


@pytest.fixture
def people(make_uow) -> tuple[int, int, int]:
    """An asker, a helper and a second helper."""
    return tuple(add_members(make_uow, 3))


@pytest.fixture
def confirmed(make_uow, people) -> int:
    """A help that happened: posted, accepted, delivered, confirmed (one transfer)."""
    asker, helper, _ = people
    ask_id = post(make_uow, asker, minutes=20)
    act(make_uow, asks.accept_ask, helper, ask_id=ask_id)
    act(make_uow, asks.deliver_ask, helper, ask_id=ask_id)
    act(make_uow, asks.confirm_ask, asker, ask_id=ask_id)
    return ask_id


def refused(db, *statements, params=None, match=None) -> str:
    """Run ``statements`` in one transaction; it must fail (at a statement or at COMMIT)."""
    with pytest.raises(DBAPIError, match=match) as caught, db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params or {})
    return str(caught.value)


def scalar(db, statement, **params):
    with db.engine.connect() as conn:
        return conn.execute(text(statement), params).scalar()


# --- ledger rows are append-only -------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE entries SET amount = amount * 2",
    "DELETE FROM entries",
    "UPDATE transfers SET minutes = 240",
    "DELETE FROM transfers",
])
def test_a_ledger_row_cannot_be_updated_or_deleted(db, confirmed, statement):
    refused(db, statement, match="append-only")
    assert scalar(db, "SELECT count(*) FROM entries") == 2
    assert scalar(db, "SELECT sum(abs(amount)) FROM entries") == 40


def test_a_ledger_table_cannot_be_truncated(db, confirmed):
    """SQLite has no TRUNCATE: its truncate is a DELETE without WHERE, which a DELETE trigger
    turns back into row-by-row deletes that the trigger refuses."""
    pg = db.dialect == "postgresql"
    statement = "TRUNCATE entries, transfers" if pg else "DELETE FROM transfers"
    refused(db, statement, match="append-only")
    assert scalar(db, "SELECT count(*) FROM entries") == 2


def rows(db, statement, **params) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(statement), params)]


def test_a_reversal_appends_and_leaves_the_original_entries_as_they_were(db, make_uow, confirmed,
                                                                          people):
    entries = "SELECT id, member_id, amount FROM entries ORDER BY id"
    before = rows(db, entries)
    with make_uow() as uow:
        mod = uow.session.get(Member, people[2])
        original = ledger.transfer_for_ask(uow.session, confirmed)
        ledger.reverse_transfer(uow, actor=mod, transfer_id=original.id, reason="double entry")
        uow.commit()
    after = rows(db, entries)
    assert (len(after), after[:2]) == (4, before)
    assert sum(amount for _, _, amount in after) == 0


# --- a transfer balances ---------------------------------------------------------------------

NEW_TRANSFER = ("INSERT INTO transfers (id, kind, from_member_id, to_member_id, minutes, auto, "
                "reason, created_at) VALUES (:t, 'reversal', :a, :h, 30, false, 'raw', "
                "CURRENT_TIMESTAMP)")


def _leg(member: str, amount: int) -> str:
    return (f"INSERT INTO entries (transfer_id, member_id, amount, created_at) "
            f"VALUES (:t, :{member}, {amount}, CURRENT_TIMESTAMP)")


def test_a_balanced_transfer_from_raw_sql_commits(db, people):
    asker, helper, _ = people
    with db.engine.begin() as conn:
        for statement in (NEW_TRANSFER, _leg("h", 30), _leg("a", -30)):
            conn.execute(text(statement), {"t": 9001, "a": asker, "h": helper})
    assert scalar(db, "SELECT count(*) FROM entries WHERE transfer_id = 9001") == 2


def test_a_transfer_whose_legs_do_not_sum_to_zero_is_refused(db, people):
    asker, helper, _ = people
    message = refused(db, NEW_TRANSFER, _leg("h", 30), _leg("a", -25),
                      params={"t": 9002, "a": asker, "h": helper})
    assert "does not balance" in message
    assert scalar(db, "SELECT count(*) FROM transfers WHERE id = 9002") == 0


def test_a_third_leg_is_refused(db, people):
    asker, helper, _ = people
    message = refused(db, NEW_TRANSFER, _leg("h", 30), _leg("a", -30), _leg("h", 30),
                      params={"t": 9003, "a": asker, "h": helper})
    assert "does not balance" in message
    assert scalar(db, "SELECT count(*) FROM entries WHERE transfer_id = 9003") == 0


def test_a_transfer_left_with_one_leg_is_refused_at_commit_on_postgresql(db, people, run_cli):
    """PostgreSQL's deferred constraint trigger lets the statement through and refuses the
    COMMIT. SQLite has no deferred triggers: the lone leg commits, and ``exchange ledger
    verify`` names the transfer instead (docs/invariants.md)."""
    asker, helper, _ = people
    params = {"t": 9004, "a": asker, "h": helper}
    if db.dialect == "postgresql":
        with pytest.raises(DBAPIError, match="does not balance"):
            with db.engine.begin() as conn:
                conn.execute(text(NEW_TRANSFER), params)
                conn.execute(text(_leg("h", 30)), params)  # accepted here...
        assert scalar(db, "SELECT count(*) FROM transfers WHERE id = 9004") == 0  # ...not kept
    else:
        with db.engine.begin() as conn:
            conn.execute(text(NEW_TRANSFER), params)
            conn.execute(text(_leg("h", 30)), params)
        result = run_cli("ledger", "verify")
        assert result.exit_code == 1
        assert "transfers that do not balance (two legs summing to 0): 9004" in result.output


# --- status and helper agree -----------------------------------------------------------------

NEW_ASK = ("INSERT INTO asks (author_id, helper_id, title, details, minutes, mode, status, "
           "hidden, auto_confirmed, match_round, widened, created_at, updated_at) VALUES "
           "(:a, :h, 'Read one paragraph', '', 15, 'online', :status, false, false, 0, false, "
           "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")


@pytest.mark.parametrize(("status", "with_helper"), [
    ("open", True), ("expired", True),
    ("matched", False), ("delivered", False), ("confirmed", False),
])
def test_an_ask_whose_status_and_helper_disagree_cannot_be_inserted(db, people, status,
                                                                    with_helper):
    asker, helper, _ = people
    refused(db, NEW_ASK, params={"a": asker, "h": helper if with_helper else None,
                                 "status": status}, match="status_helper_agree")
    assert scalar(db, "SELECT count(*) FROM asks") == 0


@pytest.mark.parametrize(("status", "with_helper"), [
    ("open", False), ("expired", False), ("cancelled", False), ("cancelled", True),
    ("matched", True), ("delivered", True), ("confirmed", True),
])
def test_an_ask_whose_status_and_helper_agree_is_inserted(db, people, status, with_helper):
    asker, helper, _ = people
    with db.engine.begin() as conn:
        conn.execute(text(NEW_ASK), {"a": asker, "h": helper if with_helper else None,
                                     "status": status})
    assert scalar(db, "SELECT status FROM asks") == status


@pytest.mark.parametrize("statement", [
    "UPDATE asks SET status = 'matched', helper_id = NULL WHERE id = :id",
    "UPDATE asks SET helper_id = NULL WHERE id = :id",
    "UPDATE asks SET status = 'open' WHERE id = :id",
])
def test_a_matched_ask_cannot_lose_its_helper_or_reopen_keeping_it(db, make_uow, people,
                                                                    statement):
    asker, helper, _ = people
    ask_id = post(make_uow, asker)
    act(make_uow, asks.accept_ask, helper, ask_id=ask_id)
    refused(db, statement, params={"id": ask_id}, match="status_helper_agree")
    assert scalar(db, "SELECT helper_id FROM asks WHERE id = :id", id=ask_id) == helper


# --- one accepted offer per ask --------------------------------------------------------------

NEW_OFFER = ("INSERT INTO offers (ask_id, member_id, round, wave, live, reasons, offered_at, "
             "response) VALUES (:ask, :m, 0, 1, true, '[]', CURRENT_TIMESTAMP, 'accepted')")


PENDING_OFFER = NEW_OFFER.replace("'accepted')", "NULL)")


def test_a_second_accepted_offer_for_one_ask_is_refused(db, make_uow, people):
    asker, helper, other = people
    ask_id = post(make_uow, asker)
    with db.engine.begin() as conn:
        conn.execute(text(NEW_OFFER), {"ask": ask_id, "m": helper})
    refused(db, NEW_OFFER, params={"ask": ask_id, "m": other},
            match="uq_offers_one_accepted_per_ask|UNIQUE constraint failed: offers.ask_id")
    with db.engine.begin() as conn:
        conn.execute(text(PENDING_OFFER), {"ask": ask_id, "m": other})
    refused(db, "UPDATE offers SET response = 'accepted' WHERE member_id = :m",
            params={"m": other},
            match="uq_offers_one_accepted_per_ask|UNIQUE constraint failed: offers.ask_id")
    assert rows(db, "SELECT member_id FROM offers WHERE response = 'accepted'") == [(helper,)]


def test_a_helper_who_withdrew_no_longer_holds_the_accepted_offer(db, make_uow, people):
    """Accept, withdraw, and the next round's helper accepts: one accepted offer, and the
    first helper's answer is ``withdrew``."""
    asker, helper, other = people
    ask_id = post(make_uow, asker)
    with db.engine.begin() as conn:
        conn.execute(text(PENDING_OFFER), {"ask": ask_id, "m": helper})
    act(make_uow, asks.accept_ask, helper, ask_id=ask_id)
    act(make_uow, asks.withdraw_ask, helper, ask_id=ask_id)
    with db.engine.begin() as conn:  # the next round's wave (matching's job) offers it to other
        conn.execute(text(PENDING_OFFER), {"ask": ask_id, "m": other})
    act(make_uow, asks.accept_ask, other, ask_id=ask_id)
    assert dict(rows(db, "SELECT member_id, response FROM offers")) == {
        helper: "withdrew", other: "accepted"}


# --- the audit log's purge -------------------------------------------------------------------

NEW_AUDIT = ("INSERT INTO audit_log (action, target_type, target_id, reason, data, created_at, "
             "prev_hash, hash) VALUES ('hide', 'ask', 1, 'spam', '{}', CURRENT_TIMESTAMP, "
             "'0', '0')")


@pytest.fixture
def audited(db):
    """One row in the audit log; returns how to count them."""
    with db.engine.begin() as conn:
        conn.execute(text(NEW_AUDIT))
    return lambda db: scalar(db, "SELECT count(*) FROM audit_log")


def test_the_old_purge_switch_no_longer_opens_the_audit_log(db, audited):
    statements = ["DELETE FROM audit_log"]
    if db.dialect == "postgresql":
        statements.insert(0, "SET LOCAL exchange.allow_audit_purge = 'on'")
    refused(db, *statements, match="append-only")
    assert audited(db) == 1


def test_the_audit_log_cannot_be_truncated(db, audited):
    statement = "TRUNCATE audit_log" if db.dialect == "postgresql" else "DELETE FROM audit_log"
    refused(db, statement, match="append-only")
    assert audited(db) == 1


@pytest.fixture
def app_role(db, database_url):
    """On PostgreSQL, a role like a deployment's application role: it may read and write every
    table but owns none (docs/invariants.md). On SQLite there are no roles: None."""
    if db.dialect != "postgresql":
        yield None
        return
    role = f"{make_url(database_url).database}_app"
    with db.engine.begin() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
            conn.execute(text(f'DROP OWNED BY "{role}"'))  # left over from an interrupted run
            conn.execute(text(f'DROP ROLE "{role}"'))
        conn.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
        conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
        conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public '
                          f'TO "{role}"'))
    yield role
    with db.engine.begin() as conn:
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE "{role}"'))


@pytest.mark.parametrize(("lift", "answer"), [
    ("SET LOCAL session_replication_role = replica", "permission denied"),
    ("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", "must be owner"),
    ("SET LOCAL exchange.allow_audit_purge = 'on'", "append-only"),  # the old switch: gone
])
def test_the_application_role_cannot_lift_the_audit_guard(db, audited, app_role, lift, answer):
    """Every way to lift the guard needs the tables' owner or a superuser; the application's
    role has neither. (SQLite has no roles: whoever can write the file can drop a trigger —
    the guard there holds against the app's code, not against its operator.)"""
    if app_role is None:
        refused(db, "DELETE FROM audit_log", match="append-only")
    else:
        refused(db, f'SET LOCAL ROLE "{app_role}"', lift, "DELETE FROM audit_log", match=answer)
    assert audited(db) == 1
