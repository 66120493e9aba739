"""Alembic migrations agree with the models and can go down and back up.

Down-and-up runs on a scratch database (a temporary file on SQLite, ``<test db>_scratch`` on
PostgreSQL) so the shared test schema is never dropped under other tests.
"""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from exchange import migrate
from exchange.db import make_engine
from exchange.models import Base

pytestmark = pytest.mark.slow


@pytest.fixture
def scratch_url(database_url, tmp_path):
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"{url.database}_scratch"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _head() -> str:
    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()


def test_the_test_database_is_migrated_to_the_head_revision(db, database_url):
    assert migrate.current(database_url) == _head()


def test_the_migrated_test_database_has_no_diff_with_the_models(db, database_url):
    migrate.check(database_url)


def test_upgrading_an_empty_database_creates_every_model_table(scratch_url):
    migrate.upgrade(scratch_url)
    assert _tables(scratch_url) == set(Base.metadata.tables) | {"alembic_version"}


def test_upgrading_an_empty_database_leaves_no_diff_with_the_models(scratch_url):
    migrate.upgrade(scratch_url)
    migrate.check(scratch_url)


def test_downgrading_to_base_removes_every_model_table(scratch_url):
    migrate.upgrade(scratch_url)
    migrate.downgrade(scratch_url, "base")
    assert _tables(scratch_url) == {"alembic_version"}
    assert migrate.current(scratch_url) is None


def test_upgrading_again_after_a_full_downgrade_leaves_no_diff(scratch_url):
    migrate.upgrade(scratch_url)
    migrate.downgrade(scratch_url, "base")
    migrate.upgrade(scratch_url)
    assert migrate.current(scratch_url) == _head()
    migrate.check(scratch_url)


def test_every_revision_steps_down_and_back_up(scratch_url):
    script = ScriptDirectory.from_config(migrate.alembic_config(scratch_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        migrate.upgrade(scratch_url, revision)
        migrate.downgrade(scratch_url, "-1")
        migrate.upgrade(scratch_url, revision)
        assert migrate.current(scratch_url) == revision


def test_the_match_pool_revision_backfills_the_rows_from_members_already_there(scratch_url):
    """Members from before ``match_pool`` existed get their rows when it is created: helpers
    by skill and '*', with their last offer; nobody who is not helping, suspended or busy."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from exchange.asks.models import Ask
    from exchange.matching.pool import NEVER, PoolEntry
    from exchange.members.models import Member, MemberSkill
    from exchange.offers.models import HelperStats

    migrate.upgrade(scratch_url, "690a77d686f6")
    offered = datetime(2030, 1, 1, 12, tzinfo=UTC)
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as conn:
            def add(handle, **fields):
                return conn.execute(insert(Member).values(
                    handle=handle, display_name=handle, email=f"{handle}@example.org",
                    **fields).returning(Member.id)).scalar_one()
            helper, resting = add("helper", area=" Leeds "), add("resting", helping=False)
            banned, busy = add("banned", status="banned"), add("busy", capacity=1)
            fresh = add("fresh")
            conn.execute(insert(MemberSkill), [{"member_id": helper, "tag": "python"},
                                               {"member_id": resting, "tag": "python"},
                                               {"member_id": banned, "tag": "python"}])
            conn.execute(insert(HelperStats).values(member_id=helper, offers_total=1,
                                                    accepts_total=0, last_offered_at=offered))
            conn.execute(insert(Ask).values(author_id=helper, helper_id=busy, status="matched",
                                            title="Read one paragraph", minutes=15))
        migrate.upgrade(scratch_url)
        with engine.connect() as conn:
            rows = {(r.member_id, r.tag, r.last_offered_at, r.area)
                    for r in conn.execute(select(PoolEntry))}
        assert rows == {(helper, "python", offered, "leeds"), (helper, "*", offered, "leeds"),
                        (fresh, "*", NEVER, None)}
        migrate.downgrade(scratch_url, "690a77d686f6")
        assert "match_pool" not in _tables(scratch_url)
    finally:
        engine.dispose()


def test_the_invariants_revision_retires_accepts_of_helpers_who_withdrew(scratch_url):
    """Before it, a helper who withdrew kept their offer ``accepted``, so an ask could hold two;
    the revision marks theirs ``withdrew`` and then builds the one-accepted-offer index."""
    from sqlalchemy import insert, select

    from exchange.asks.models import Ask, AskSkip
    from exchange.members.models import Member
    from exchange.offers.models import Offer

    migrate.upgrade(scratch_url, "a7c3e1f09b52")
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as conn:
            ids = [conn.execute(insert(Member).values(
                handle=h, display_name=h, email=f"{h}@example.org").returning(Member.id))
                .scalar_one() for h in ("asker", "first", "second")]
            asker, first, second = ids
            ask = conn.execute(insert(Ask).values(
                author_id=asker, helper_id=second, status="matched", title="Read one paragraph",
                minutes=15).returning(Ask.id)).scalar_one()
            conn.execute(insert(AskSkip).values(ask_id=ask, member_id=first, reason="withdrew"))
            conn.execute(insert(Offer), [
                {"ask_id": ask, "member_id": m, "wave": 1, "reasons": [], "response": "accepted"}
                for m in (first, second)])
        migrate.upgrade(scratch_url)
        with engine.connect() as conn:
            answers = dict(conn.execute(select(Offer.member_id, Offer.response)).all())
        assert answers == {first: "withdrew", second: "accepted"}
    finally:
        engine.dispose()


def _triggers(engine) -> set[str]:
    query = ("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
             if engine.dialect.name == "postgresql"
             else "SELECT name FROM sqlite_master WHERE type = 'trigger'")
    with engine.connect() as conn:
        return set(conn.execute(text(query)).scalars())


def test_stepping_down_from_the_invariants_revision_lifts_its_guards(scratch_url):
    from sqlalchemy import insert

    from exchange.members.models import Member

    migrate.upgrade(scratch_url, "a7c3e1f09b52")
    engine = make_engine(scratch_url)
    try:
        before = _triggers(engine)
        migrate.upgrade(scratch_url)
        assert _triggers(engine) > before
        migrate.downgrade(scratch_url, "a7c3e1f09b52")
        assert _triggers(engine) == before
        with engine.begin() as conn:  # a status without its helper: no CHECK, no trigger now
            author = conn.execute(insert(Member).values(
                handle="a", display_name="a", email="a@example.org").returning(Member.id))
            conn.execute(text("INSERT INTO asks (author_id, title, details, minutes, mode, status, "
                              "hidden, auto_confirmed, match_round, widened, created_at, "
                              "updated_at) VALUES (:a, 'Read one paragraph', '', 15, 'online', "
                              "'matched', false, false, 0, false, CURRENT_TIMESTAMP, "
                              "CURRENT_TIMESTAMP)"), {"a": author.scalar_one()})
            assert conn.scalar(text("SELECT count(*) FROM asks WHERE helper_id IS NULL")) == 1
    finally:
        engine.dispose()


def test_the_notification_sequence_revision_numbers_the_rows_already_there(scratch_url):
    """Notifications from before ``seq`` existed are numbered per member in id order, and each
    member's counter starts from their count, so the next one follows on."""
    import json

    from sqlalchemy import insert, select

    from exchange.members.models import Member
    from exchange.notifications.models import NoteCounter, Notification

    migrate.upgrade(scratch_url, "b8e4f2d61c07")
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as conn:
            ada, bo, cy = (conn.execute(insert(Member).values(
                handle=h, display_name=h, email=f"{h}@example.org").returning(Member.id))
                .scalar_one() for h in ("ada", "bo", "cy"))
            for who, text_ in ((ada, "a1"), (bo, "b1"), (ada, "a2"), (ada, "a3"), (bo, "b2")):
                conn.execute(text(
                    "INSERT INTO notifications (member_id, kind, data, created_at) "
                    "VALUES (:m, 'mod.warning', :d, CURRENT_TIMESTAMP)"),
                    {"m": who, "d": json.dumps({"message": text_})})
        migrate.upgrade(scratch_url)
        with engine.connect() as conn:
            rows = conn.execute(select(Notification.member_id, Notification.seq,
                                       Notification.data).order_by(Notification.id)).all()
            counters = dict(conn.execute(select(NoteCounter.member_id, NoteCounter.seq)).all())
        assert [(m, seq, d["message"]) for m, seq, d in rows] == [
            (ada, 1, "a1"), (bo, 1, "b1"), (ada, 2, "a2"), (ada, 3, "a3"), (bo, 2, "b2")]
        assert counters == {ada: 3, bo: 2}  # cy has none: a counter row comes with the first
        migrate.downgrade(scratch_url, "b8e4f2d61c07")
        assert "note_counters" not in _tables(scratch_url)
    finally:
        engine.dispose()
