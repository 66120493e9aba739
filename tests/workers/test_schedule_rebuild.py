"""The scheduled follow-ups are rebuilt from the database when Redis forgot them
(``exchange.schedule``, run by ``workers.recovery``).

Real Redis (this run's database, flushed to play a Redis back empty) and the run's database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import redis
from rq.registry import ScheduledJobRegistry

from exchange import schedule
from exchange.clock import utcnow
from workers import recovery


@pytest.fixture
def job_settings(job_settings):
    """Waves ten minutes apart, so the next one is scheduled rather than due at once."""
    return replace(job_settings, wave_seconds=600)


def _scheduled(connection) -> dict[str, float]:
    """Scheduled job id -> when it is due (epoch seconds), across our queues."""
    found = {}
    for queue in ("matching", "housekeeping", "reminders"):
        registry = ScheduledJobRegistry(queue, connection=connection)
        for job_id in registry.get_job_ids():
            found[job_id] = registry.get_scheduled_time(job_id).timestamp()
    return found


def _an_open_and_a_matched_ask(job_api, run_jobs):
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["python"])
    job_api.member("other", skills=["python"])
    open_ask = job_api.ask(asker, tags=["python"])
    soon = (utcnow() + timedelta(days=3)).replace(microsecond=0).isoformat()
    matched = job_api.matched(asker, helper, tags=["python"], window_start=soon)
    run_jobs()  # the open ask's first wave: its second is scheduled
    return open_ask, matched, helper


def test_a_redis_back_empty_gets_every_follow_up_again_at_the_same_moment(
        job_api, run_jobs, rt, make_uow):
    open_ask, matched, helper = _an_open_and_a_matched_ask(job_api, run_jobs)
    before = _scheduled(rt.jobs.connection)
    expected = {f"match-{open_ask['id']}-0-2", f"expire-{open_ask['id']}",
                f"remind-{matched['id']}-window-24h-{helper['id']}",
                f"remind-{matched['id']}-window-1h-{helper['id']}"}
    assert expected <= set(before)

    rt.jobs.connection.flushdb()
    with make_uow() as uow:
        counts = schedule.rebuild(uow.session, rt.jobs, rt.settings)

    after = _scheduled(rt.jobs.connection)
    assert expected <= set(after)
    assert all(abs(after[job] - before[job]) <= 1 for job in expected)  # the same moments
    assert counts["waves"] == 1 and counts["expiry"] == 1 and counts["reminders"] >= 4


def test_rebuilding_on_a_redis_that_kept_its_jobs_changes_nothing(job_api, run_jobs, rt,
                                                                  make_uow):
    _an_open_and_a_matched_ask(job_api, run_jobs)
    before = _scheduled(rt.jobs.connection)
    for _ in range(2):
        with make_uow() as uow:
            schedule.rebuild(uow.session, rt.jobs, rt.settings)
    assert _scheduled(rt.jobs.connection) == before


def test_the_worker_rebuilds_only_when_the_mark_is_gone(job_api, run_jobs, rt, redis_url):
    open_ask, _, _ = _an_open_and_a_matched_ask(job_api, run_jobs)
    client = redis.Redis.from_url(redis_url)
    try:
        assert "rebuilt" in recovery.on_redis_back(rt, client)  # no mark yet: rebuilt
        assert "rebuilt" not in recovery.on_redis_back(rt, client)  # marked: left alone
        client.flushdb()  # Redis back empty
        assert "rebuilt" in recovery.on_redis_back(rt, client)
        assert f"match-{open_ask['id']}-0-2" in _scheduled(rt.jobs.connection)
    finally:
        client.close()
