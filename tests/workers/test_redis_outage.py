"""Redis killed outright and started again: nothing is lost, nothing waits for the sweep.

A redis-server of the test's own (``tests/workers/redis_server.py``) carries the production web
command (gunicorn) and a real ``exchange worker``, with rate limits on as in production. It is
SIGKILLed while two helpers' sockets are connected, asks are posted meanwhile, and it is
started again: once with its append-only file, once empty. Then:

- every ask posted during the outage was answered 201, and the web log holds no traceback and
  one line per part that met the outage, not one per request;
- each of those asks is offered within 10 s of Redis answering again — the worker notices the
  restart and re-sends the pending outbox at once (the minute sweep would be up to 60 s late);
- the scheduled follow-ups of the asks from before — an open ask's next wave and expiry, a
  matched ask's reminders — are in Redis again: kept by the append-only file, or planned again
  from the database when Redis came back empty;
- the web process, its push channel lost meanwhile, drops its sockets, and a client that comes
  back with the last id it saw (as the browser's does by itself) is replayed what it missed.

The database is the run's own (SQLite or PostgreSQL), so this runs on both.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
import redis
import requests
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from benchmarks.live import LiveExchange, seed_members
from exchange.clock import utcnow
from exchange.members.models import ApiToken
from exchange.offers.models import Offer
from tests.realtime.live import Listener, close_all
from tests.waiting import wait_until
from tests.workers.redis_server import RedisServer

pytestmark = pytest.mark.slow

BACK_WITHIN = 10  # the bound: an ask posted during the outage is offered this soon
POSTED_DURING = 3
OUTAGE_LINE = "is unavailable ("  # exchange.outages: one such line per part, not per request


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(data_dir=tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def live(database_url, db, private_redis, tmp_path):
    env = {"EXCHANGE_INSTANCE_DIR": str(tmp_path / "instance"), "FLASK_SKIP_DOTENV": "1",
           "EXCHANGE_RATE_LIMITS": "on", "EXCHANGE_WAVE_SECONDS": "600",
           "EXCHANGE_WAVE_SIZE": "2", "EXCHANGE_SWEEP_SECONDS": "60"}
    with LiveExchange(database_url, private_redis.url, server="production", env=env) as running:
        yield running


def _post(live, token: str, tag: str, **fields) -> requests.Response:
    return requests.post(live.url + "/api/v1/asks", timeout=10,
                         headers={"Authorization": f"Bearer {token}"},
                         json={"title": "Read one paragraph of my essay", "minutes": 15,
                               "tags": [tag], **fields})


def _offered_to(db, ask_id: int) -> set[int]:
    with db.session(write=False) as s:
        return set(s.scalars(select(Offer.member_id).where(Offer.ask_id == ask_id)))


def _member_of(db, token: str) -> int:
    with db.session(write=False) as s:
        return s.scalar(select(ApiToken.member_id).where(
            ApiToken.digest == hashlib.sha256(token.encode()).hexdigest()))


def _scheduled(redis_url: str) -> set[str]:
    client = redis.Redis.from_url(redis_url)
    try:
        return {job_id for queue in ("matching", "housekeeping", "reminders")
                for job_id in ScheduledJobRegistry(queue, connection=client).get_job_ids()}
    finally:
        client.close()


def _last_id(listener: Listener) -> int:
    return max((p["id"] for p in listener.received() if isinstance(p.get("id"), int)),
               default=0)


def _offers_pushed(listener: Listener) -> set[int]:
    return {p["data"]["ask"]["id"] for p in listener.received("ask.offered")}


def _before_the_outage(live, db, askers, helpers, helper_ids, tag) -> set[str]:
    """An open ask (its second wave and expiry scheduled) and a matched one three days ahead
    (its reminders scheduled); the follow-ups' job ids, once they are all in Redis."""
    r = _post(live, askers[0], tag)
    assert r.status_code == 201, r.text
    open_id = r.json()["id"]
    soon = (utcnow() + timedelta(days=3)).replace(microsecond=0).isoformat()
    r = _post(live, askers[0], tag, window_start=soon)
    assert r.status_code == 201, r.text
    taken_id = r.json()["id"]
    r = requests.post(f"{live.url}/api/v1/asks/{taken_id}/accept", timeout=10,
                      headers={"Authorization": f"Bearer {helpers[0]}"})
    assert r.status_code == 200, r.text
    return {f"match-{open_id}-0-2", f"expire-{open_id}",
            f"remind-{taken_id}-window-24h-{helper_ids[0]}",
            f"remind-{taken_id}-window-1h-{helper_ids[0]}"}


@pytest.mark.parametrize("comes_back", ["with its data", "empty"])
def test_asks_posted_while_redis_is_down_are_matched_once_it_is_back(
        comes_back, db, live, private_redis):
    tag = f"t{uuid.uuid4().hex[:8]}"
    tokens = seed_members(db, 6, skill=tag)
    askers, helpers = tokens[:4], tokens[4:]
    helper_ids = [_member_of(db, t) for t in helpers]
    sockets = [Listener(live.url, t, member_id=m).connect()
               for t, m in zip(helpers, helper_ids, strict=True)]
    try:
        follow_ups = _before_the_outage(live, db, askers, helpers, helper_ids, tag)
        assert wait_until(lambda: follow_ups <= _scheduled(private_redis.url), timeout=30), \
            (sorted(_scheduled(private_redis.url)), live.log("worker"))
        log_before = len(live.log("web", tail=10**7))

        private_redis.kill()
        during = []
        for asker in askers[1:1 + POSTED_DURING]:
            r = _post(live, asker, tag)
            assert r.status_code == 201, r.text
            during.append(r.json()["id"])
        outage_lines = live.log("web", tail=10**7)[log_before:]
        assert "Traceback" not in outage_lines, outage_lines
        assert outage_lines.count(OUTAGE_LINE) <= 4, outage_lines  # jobs, push, control, ...
        if comes_back == "empty":
            private_redis.wipe()
        private_redis.start()

        assert wait_until(lambda: all(_offered_to(db, a) for a in during),
                          timeout=BACK_WITHIN), live.log("worker")
        assert wait_until(lambda: follow_ups <= _scheduled(private_redis.url), timeout=10), \
            (sorted(_scheduled(private_redis.url)), live.log("worker"))

        # The web process lost its push channel meanwhile: it drops its sockets, which come
        # back (the browser's by itself, live.js) asking for what came after the last they saw.
        assert wait_until(lambda: not any(s.connected for s in sockets), timeout=10)
        for old, helper in zip(list(sockets), helper_ids, strict=True):
            old.let_go()
            again = Listener(live.url, old.token, member_id=helper).connect(_last_id(old))
            sockets.append(again)
            missed = {a for a in during if helper in _offered_to(db, a)}
            assert wait_until(lambda again=again, old=old, missed=missed:
                              missed <= _offers_pushed(old) | _offers_pushed(again)), \
                (missed, old.events, again.events)
        assert "Traceback" not in live.log("web", tail=10**7)[log_before:]
    finally:
        close_all(sockets)
