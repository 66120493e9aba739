"""A wave costs a fixed number of statements: no query inside a loop over the pool or the
offers. The statements of one ``run_wave`` (and its commit) are counted on the engine, for a
pool of 5 and of 50 helpers and for waves of 1 and of 8 offers; every helper was helped
recently, so the pay-it-forward nudges run too. The counts must be equal, and the wave must
still have done its work (offers, notifications, nudges in the database)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import event, func, insert, select

from exchange.clock import utcnow
from exchange.ledger.models import MemberTotals
from exchange.matching.service import run_wave
from exchange.notifications.models import Notification
from exchange.offers.models import HelperStats, Offer
from exchange.uow import UnitOfWork
from tests.integration.candidate_support import ask, member


@contextmanager
def counting(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _helpers(make_uow, n: int, tag: str) -> list[int]:
    ids = [member(make_uow, f"{tag}{i}", skills=[tag]) for i in range(n)]
    with make_uow() as uow:  # helped recently: each is also a pay-it-forward candidate
        uow.session.execute(insert(MemberTotals), [
            {"member_id": m, "last_received_at": utcnow()} for m in ids])
        uow.commit()
    return ids


def _wave(db, settings, pool: int, size: int, prefix: str) -> tuple[int, list[int]]:
    make_uow = lambda: UnitOfWork(db, None, replace(settings, wave_size=size))  # noqa: E731
    _helpers(make_uow, pool, prefix)
    author = member(make_uow, f"{prefix}asker")
    ask_id = ask(make_uow, author, tags=[prefix])
    with counting(db.engine) as statements, make_uow() as uow:
        offered = run_wave(uow, ask_id=ask_id, round_=0, wave=1)
        uow.commit()
    with make_uow() as uow:
        s = uow.session
        assert sorted(s.scalars(select(Offer.member_id).where(Offer.ask_id == ask_id))) \
            == sorted(offered)
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "ask.offered", Notification.ask_id == ask_id)) == len(offered)
        nudged = s.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "nudge", Notification.ask_id == ask_id))
        assert nudged == min(size, pool - len(offered))
        assert s.scalar(select(func.count()).select_from(HelperStats).where(
            HelperStats.member_id.in_(offered), HelperStats.offers_total == 1)) == len(offered)
    return len(statements), offered


@pytest.mark.parametrize("pool,size", [(5, 3), (50, 3), (50, 1), (50, 8)])
def test_a_wave_runs_a_fixed_number_of_statements(db, settings, pool, size):
    reference, offered = _wave(db, settings, 5, 3, "ref")
    assert len(offered) == 3
    counted, offered = _wave(db, settings, pool, size, "h")
    assert len(offered) == size
    assert counted == reference


# What a first wave with pay-it-forward nudges costs, statement by statement: the ask with its
# tags (one), the claim, the pool, the offers with their helpers' counters (one on PostgreSQL,
# a data-modifying CTE; two elsewhere), the notifications and their members' settings, the
# wave's count, the nudges' guard (two) with their notifications and settings, the numbering
# (one on PostgreSQL; an upsert and an update elsewhere) and the outbox rows. SQLite's count
# includes its BEGIN IMMEDIATE.
WAVE_STATEMENTS = {"postgresql": 13, "sqlite": 16}


def test_a_first_wave_costs_the_statements_it_should(db, settings):
    counted, offered = _wave(db, settings, 5, 3, "pinned")
    assert len(offered) == 3
    assert counted == WAVE_STATEMENTS[db.engine.dialect.name]


def test_offering_a_helper_twice_is_skipped_in_the_batch(db, settings, make_uow):
    """The one-statement insert keeps the old guarantee: one offer per (ask, helper)."""
    from exchange.asks.models import Ask
    from exchange.offers import service as offers
    helpers = _helpers(make_uow, 3, "twice")
    author = member(make_uow, "asker2")
    ask_id = ask(make_uow, author, tags=["twice"])
    with make_uow() as uow:
        row = uow.session.get(Ask, ask_id)
        first = offers.record_offers(uow.session, ask=row, wave=1, live=True,
                                     chosen=[(helpers[0], 1.0, ["a"])])
        again = offers.record_offers(uow.session, ask=row, wave=2, live=True,
                                     chosen=[(helpers[0], 1.0, ["a"]), (helpers[1], 0.5, [])])
        uow.commit()
    assert first == [helpers[0]] and again == [helpers[1]]
    with make_uow() as uow:
        stats = {m: (t, last is not None) for m, t, last in uow.session.execute(
            select(HelperStats.member_id, HelperStats.offers_total,
                   HelperStats.last_offered_at))}
    assert stats == {helpers[0]: (1, True), helpers[1]: (1, True)}
