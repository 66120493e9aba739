"""A worker started while Redis is down waits for it, and works once it is up (issue 13).

It used to exit at once with a traceback (RQ's worker asks Redis for its address while it is
being built), so a host that started the worker before Redis lost its worker for good. Real
processes: an ``exchange worker`` pointed at a redis-server of the test's own
(``tests/workers/redis_server.py``) that is not started yet; it says so in one line and keeps
running; Redis is started; an ask posted through the app is then offered by that worker.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from exchange.adapters.rq_jobs import connect
from exchange.offers.models import Offer
from tests.conftest import Api
from tests.workers.processes import end_group, eventually, start_worker, worker_env
from tests.workers.redis_server import RedisServer
from web import create_app
from workers import recovery

pytestmark = pytest.mark.slow

WAITING = "Redis is unavailable ("


@pytest.fixture
def later_redis():
    server = RedisServer()  # its port chosen, not started
    yield server
    server.stop()


def _log(path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def _offered(db, ask_id: int) -> bool:
    with db.session(write=False) as s:
        return s.scalar(select(Offer.id).where(Offer.ask_id == ask_id).limit(1)) is not None


def test_a_worker_started_before_redis_waits_for_it_and_then_matches(
        later_redis, database_url, db, settings, tmp_path):
    log = tmp_path / "worker.log"
    worker = start_worker(worker_env(database_url, later_redis.url, tmp_path,
                                     EXCHANGE_SWEEP_SECONDS="1"), log)
    try:
        assert eventually(lambda: WAITING in _log(log)), _log(log)

        later_redis.start()
        app = create_app(replace(settings, redis_url=later_redis.url, rate_limits=False,
                                 wave_size=2, wave_seconds=1, max_waves=2), db=db)
        api = Api(app.test_client())
        asker = api.member("asker")
        api.member("helper", skills=["python"])
        ask = api.ask(asker, tags=["python"])

        # The worker that waited (it would have exited at its first try) matches it.
        assert eventually(lambda: _offered(db, ask["id"])), _log(log)
        assert worker.poll() is None, _log(log)
        assert "Redis answers again" in _log(log)
        assert _log(log).count(WAITING) == 1 and "Traceback" not in _log(log), _log(log)
    finally:
        end_group(worker)


def test_the_wait_backs_off_from_half_a_second_to_five(later_redis):
    connection = connect(later_redis.url)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 6:
            later_redis.start()

    try:
        assert recovery.wait_for_redis(connection, sleep=sleep) == 6
    finally:
        connection.close()
    assert slept == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
