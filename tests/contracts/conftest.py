"""The job fixtures of ``tests/workers`` (real Redis, in-process RQ worker), on a push channel
of each test's own: Redis pub/sub ignores the database number, so a shared channel would carry
this test's pushes to any live server another test run has listening."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

import pytest

from tests.workers.conftest import job_api, job_app, redis_url, rt, run_jobs  # noqa: F401


@pytest.fixture
def push_channel() -> str:
    return f"test-{uuid4().hex}"


@pytest.fixture
def job_settings(settings, redis_url, push_channel):  # noqa: F811 - the fixture, by name
    return replace(settings, redis_url=redis_url, rate_limits=False, wave_size=2,
                   wave_seconds=1, max_waves=2, push_channel=push_channel)
