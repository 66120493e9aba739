"""Nothing is lost while Redis is down: the ask is posted, its event waits in the outbox, and
once Redis is back the reconciler sends it on and the worker makes the offers.

Each test runs its own redis-server (the shared one must never be stopped), and the web app,
whose dispatcher keeps the Redis client it was built with, is wired to it from the start.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import redis.connection
from sqlalchemy import update

from exchange.clock import utcnow
from exchange.offers.models import Offer
from exchange.outbox import service as outbox_service
from exchange.outbox.models import OutboxMessage
from tests.workers.redis_server import RedisServer
from workers import housekeeping


@pytest.fixture
def server():
    with RedisServer() as running:
        yield running


@pytest.fixture
def redis_url(server):
    """Overrides the shared-Redis fixture: job_settings, rt and job_app all use this server."""
    return server.url


def _a_minute_later(monkeypatch) -> None:
    """Moves the outbox's clock past the reconciler's ``min_age_seconds``: the requests that
    wrote the rows have long finished with them."""
    monkeypatch.setattr(outbox_service, "utcnow", lambda: utcnow() + timedelta(minutes=1))


def _pending(make_uow) -> int:
    with make_uow() as uow:
        return outbox_service.pending_count(uow.session)


def _offered_asks(make_uow) -> set[int]:
    with make_uow() as uow:
        return {o.ask_id for o in uow.session.query(Offer)}


def _asks_while_down(job_api, server, count: int) -> list[int]:
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    server.stop()
    return [job_api.ask(asker, tags=["python"])["id"] for _ in range(count)]


def test_asks_posted_while_redis_is_down_are_saved_with_their_events_pending(
        job_api, server, make_uow):
    asks = _asks_while_down(job_api, server, 3)

    assert len(set(asks)) == 3  # each post answered 201 (job_api.ask checks)
    assert _pending(make_uow) == 3


def test_posting_while_redis_is_down_tries_it_once_instead_of_retrying(
        job_api, server, monkeypatch):
    asker = job_api.member("asker")
    server.stop()
    attempts = []
    connect = redis.connection.Connection._connect

    def counted(conn):
        attempts.append(conn.port)
        return connect(conn)

    monkeypatch.setattr(redis.connection.Connection, "_connect", counted)
    job_api.ask(asker, tags=["python"])

    # One refused connection and the request moves on; redis-py's own default (three retries
    # with a backoff from a second) would hold the asker's request for several seconds.
    assert attempts == [server.port]


def test_rate_limits_kept_in_redis_let_an_ask_through_while_redis_is_down(
        job_settings, db, rt, server, make_uow):
    from tests.conftest import Api
    from web import create_app
    limited = Api(create_app(replace(job_settings, rate_limits=True), db=db).test_client())
    asker = limited.member("asker")
    server.stop()

    limited.ask(asker, tags=["python"])

    assert _pending(make_uow) == 1


def test_once_redis_is_back_the_reconciler_gets_every_ask_offered(
        job_api, server, run_jobs, make_uow, monkeypatch):
    asks = _asks_while_down(job_api, server, 2)
    server.start()
    _a_minute_later(monkeypatch)

    assert housekeeping.reconcile() == 2
    run_jobs()

    assert _offered_asks(make_uow) == set(asks)
    assert _pending(make_uow) == 0


def test_reconciling_the_same_rows_twice_enqueues_each_job_once(
        job_api, server, run_jobs, make_uow, rt, db, monkeypatch):
    [ask] = _asks_while_down(job_api, server, 1)
    server.start()
    _a_minute_later(monkeypatch)
    housekeeping.reconcile()
    # As if the first run died after enqueueing but before stamping its rows as sent.
    with db.engine.begin() as conn:
        conn.execute(update(OutboxMessage).values(dispatched_at=None))

    housekeeping.reconcile()

    assert rt.jobs.queue("matching").job_ids == [f"match-{ask}-0-1"]
    assert rt.jobs.queue("housekeeping").scheduled_job_registry.get_job_ids() == [
        f"expire-{ask}"]
    run_jobs()
    with make_uow() as uow:
        assert uow.session.query(Offer).filter_by(ask_id=ask).count() == 1


def test_rows_younger_than_the_minimum_age_are_left_to_the_request_that_wrote_them(
        job_api, server, make_uow, rt):
    _asks_while_down(job_api, server, 1)
    server.start()

    assert housekeeping.reconcile() == 0
    assert _pending(make_uow) == 1
    assert rt.jobs.queue("matching").job_ids == []
