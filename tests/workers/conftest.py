"""Fixtures for job tests: real Redis (a database of its own, emptied per test), a worker
runtime on the test database, and ``run_jobs`` — a real RQ worker in burst mode, in-process."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
import redis

from exchange.adapters.rq_jobs import connect
from workers import runtime as worker_runtime
from workers.cli import make_worker

REDIS_URL = os.environ.get("EXCHANGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture
def redis_url():
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture
def job_settings(settings, redis_url):
    return replace(settings, redis_url=redis_url, rate_limits=False, wave_size=2,
                   wave_seconds=1, max_waves=2)


@pytest.fixture
def rt(job_settings, db):
    runtime = worker_runtime.configure(job_settings, db=db, redis=connect(job_settings.redis_url))
    yield runtime
    worker_runtime.reset()


@pytest.fixture
def job_app(job_settings, db, rt):
    """The web app wired to the same Redis: posting an ask enqueues its matching job."""
    from web import create_app
    return create_app(job_settings, db=db)


@pytest.fixture
def job_api(job_app):
    from tests.conftest import Api
    return Api(job_app.test_client())


@pytest.fixture
def run_jobs(rt):
    """Run every job that is due now (scheduled ones whose time came included), then return."""
    def run():
        worker = make_worker(rt)
        worker.work(burst=True, with_scheduler=True)
        return worker
    return run
