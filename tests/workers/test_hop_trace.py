"""With ``EXCHANGE_TRACE_HOPS`` on, an ask's way from post to first offer leaves a timestamp at
each hop, in order, from the web process and the worker alike; off, it leaves nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest
import redis

from exchange.adapters import hops
from exchange.adapters.rq_jobs import connect
from tests.conftest import Api
from workers import runtime as worker_runtime
from workers.cli import make_worker


@pytest.fixture
def traced(job_settings, db):
    """The app and a worker runtime with the trace on (or off: ``traced(False)``)."""
    def make(on: bool = True):
        from web import create_app
        settings = replace(job_settings, trace_hops=on)
        rt = worker_runtime.configure(settings, db=db, redis=connect(settings.redis_url))
        return Api(create_app(settings, db=db).test_client()), rt
    yield make
    worker_runtime.reset()


def _run(rt) -> None:
    make_worker(rt).work(burst=True, with_scheduler=True)


def test_each_hop_of_post_to_offer_is_marked_in_order(traced, job_settings):
    api, rt = traced()
    asker = api.member("asker")
    api.member("helper", skills=["maps"])  # someone to offer it to
    ask = api.ask(asker, tags=["maps"])
    _run(rt)
    marks = hops.read(redis.Redis.from_url(job_settings.redis_url), ask["id"])
    assert list(marks) and set(marks) == set(hops.HOPS)
    assert [hop for hop, _ in sorted(marks.items(), key=lambda kv: kv[1])] == list(hops.HOPS)


def test_with_the_trace_off_nothing_is_written(traced, job_settings):
    api, rt = traced(False)
    ask = api.ask(api.member("asker"))
    api.member("helper")
    _run(rt)
    assert hops.read(redis.Redis.from_url(job_settings.redis_url), ask["id"]) == {}
