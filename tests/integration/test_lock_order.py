"""An accept and a matching wave touching the same helper take their locks in one order.

A wave upserts its helpers' counters (``helper_stats``), whose trigger then refreshes their
match-pool rows; an accept's UPDATE of the ask refreshes the winner's pool rows (their load
changed) and then bumps the same counters. Taken in those orders, an accept paused between the
two and a wave offering its helper another ask deadlocked on PostgreSQL (one of them refused,
the accept answering 503). The accept now holds the helper's counters row first. This pauses
a real accept at that point, runs the wave against it in another transaction, and lets both
finish: each must commit. (SQLite serialises writers, so there it holds that the wave waits and
both land.)"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from exchange.asks import service as asks
from exchange.asks.models import Ask
from exchange.offers import service as offers
from exchange.offers.models import HelperStats
from tests.integration.support import act, add_members, post
from tests.waiting import wait_until

pytestmark = pytest.mark.slow


def _offer(make_uow, ask_id: int, helper: int) -> None:
    with make_uow() as uow:
        offers.record_offers(uow.session, ask=uow.session.get(Ask, ask_id), wave=1, live=True,
                             chosen=[(helper, 1.0, [])])
        uow.commit()


def _waiting_on_a_lock(db) -> bool:
    with db.engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")))


def test_an_accept_and_a_wave_for_the_same_helper_both_commit(db, make_uow, monkeypatch):
    author, other, helper = add_members(make_uow, 3)
    taken, offered_next = post(make_uow, author), post(make_uow, other)
    _offer(make_uow, taken, helper)  # the helper's counters row exists, as for anyone offered

    paused, go = threading.Event(), threading.Event()
    settle = offers.settle_after_accept

    def pausing_settle(uow, **kwargs):
        paused.set()  # the ask's UPDATE ran: the helper's pool rows are this accept's
        assert go.wait(60)
        return settle(uow, **kwargs)

    monkeypatch.setattr(offers, "settle_after_accept", pausing_settle)
    outcome: dict[str, object] = {}

    def run(name, work):
        try:
            outcome[name] = work()
        except Exception as err:  # noqa: BLE001 - the test reads what each side got
            outcome[name] = err

    accept = threading.Thread(target=run, args=("accept", lambda: act(
        make_uow, asks.accept_ask, helper, ask_id=taken)))
    accept.start()
    assert paused.wait(60)
    started = threading.Event()
    wave = threading.Thread(target=run, args=("wave", lambda: (
        started.set(), _offer(make_uow, offered_next, helper))))
    wave.start()
    assert started.wait(60)
    if db.dialect == "postgresql":  # the wave is queued behind the accept's locks
        assert wait_until(lambda: _waiting_on_a_lock(db), timeout=60)
    go.set()
    accept.join(90)
    wave.join(90)

    assert not isinstance(outcome.get("accept"), Exception), outcome
    assert not isinstance(outcome.get("wave"), Exception), outcome
    with make_uow() as uow:
        assert uow.session.get(Ask, taken).helper_id == helper
        stats = uow.session.get(HelperStats, helper)
        assert (stats.offers_total, stats.accepts_total) == (2, 1)
