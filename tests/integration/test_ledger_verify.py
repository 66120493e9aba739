"""``exchange ledger verify``: exit 0 with a short summary, or 1 naming what is wrong.

Breakage is made behind the app's back with raw SQL — where the database would refuse it, under
``guards_lifted`` (the privileged hand a restore or an operator has).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from exchange.asks import service as asks
from exchange.ledger import service as ledger
from exchange.members.models import Member
from tests.fixtures.databases import guards_lifted
from tests.integration.support import act, add_members, post


@pytest.fixture
def people(make_uow) -> tuple[int, int, int]:
    return tuple(add_members(make_uow, 3))


def confirm_one(make_uow, asker: int, helper: int, minutes: int = 20) -> int:
    ask_id = post(make_uow, asker, minutes=minutes)
    act(make_uow, asks.accept_ask, helper, ask_id=ask_id)
    act(make_uow, asks.confirm_ask, asker, ask_id=ask_id)
    return ask_id


def sql(db, statement: str, *, lifted: bool = False, **params) -> None:
    with db.engine.begin() as conn:
        if lifted:
            with guards_lifted(conn):
                conn.execute(text(statement), params)
        else:
            conn.execute(text(statement), params)


def test_an_empty_ledger_verifies(run_cli):
    result = run_cli("ledger", "verify")
    assert (result.exit_code, result.output) == (
        0, "OK: 0 transfers, 0 entries and 0 members' totals agree; the ledger sums to 0.\n")


def test_helps_and_a_reversal_verify(run_cli, make_uow, people):
    asker, helper, third = people
    first = confirm_one(make_uow, asker, helper)
    confirm_one(make_uow, helper, third, minutes=45)
    with make_uow() as uow:
        transfer = ledger.transfer_for_ask(uow.session, first)
        ledger.reverse_transfer(uow, actor=uow.session.get(Member, third),
                                transfer_id=transfer.id, reason="counted by mistake")
        uow.commit()
    result = run_cli("ledger", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 3 transfers, 6 entries and 3 members' totals agree")


def test_a_member_whose_cached_totals_drifted_is_named(run_cli, db, make_uow, people):
    asker, helper, _ = people
    confirm_one(make_uow, asker, helper)
    sql(db, "UPDATE member_totals SET given_minutes = given_minutes + 5 WHERE member_id = :m",
        m=helper)
    result = run_cli("ledger", "verify")
    assert result.exit_code == 1
    assert f"WRONG: members whose totals differ from their entries: {helper}\n" in result.output


def test_a_confirmed_ask_without_a_transfer_is_named(run_cli, db, make_uow, people):
    asker, helper, _ = people
    ask_id = post(make_uow, asker)
    act(make_uow, asks.accept_ask, helper, ask_id=ask_id)
    sql(db, "UPDATE asks SET status = 'confirmed' WHERE id = :id", id=ask_id)  # no ledger
    result = run_cli("ledger", "verify")
    assert result.exit_code == 1
    assert f"WRONG: confirmed asks with no transfer: {ask_id}\n" in result.output


def test_a_transfer_for_an_ask_that_is_not_confirmed_is_named(run_cli, db, make_uow, people):
    asker, helper, _ = people
    ask_id = confirm_one(make_uow, asker, helper)
    sql(db, "UPDATE asks SET status = 'delivered' WHERE id = :id", id=ask_id)
    with make_uow() as uow:
        transfer_id = ledger.transfer_for_ask(uow.session, ask_id).id
    result = run_cli("ledger", "verify")
    assert result.exit_code == 1
    assert f"WRONG: transfers for asks that are not confirmed: {transfer_id}\n" in result.output


def test_a_transfer_that_lost_a_leg_is_named_with_the_sum(run_cli, db, make_uow, people):
    asker, helper, _ = people
    ask_id = confirm_one(make_uow, asker, helper, minutes=20)
    with make_uow() as uow:
        transfer_id = ledger.transfer_for_ask(uow.session, ask_id).id
    sql(db, "DELETE FROM entries WHERE member_id = :m", lifted=True, m=asker)
    result = run_cli("ledger", "verify")
    assert result.exit_code == 1
    assert "WRONG: the entries sum to 20, not 0\n" in result.output
    assert (f"WRONG: transfers that do not balance (two legs summing to 0): {transfer_id}\n"
            in result.output)
    assert f"members whose totals differ from their entries: {asker}\n" in result.output
