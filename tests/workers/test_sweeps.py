"""One periodic sweep per deployment, however many workers run, and a record of each."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.workers.processes import (
    blocked_in_blpop,
    end_group,
    eventually,
    start_worker,
    worker_env,
)
from workers import sweeps
from workers.housekeeping import periodic_sweep


def _sweep_jobs(rt) -> list[str]:
    return [i for i in rt.jobs.queue("housekeeping").job_ids if i.startswith("sweep-")]


def test_every_worker_ticking_in_the_same_period_enqueues_one_sweep(rt):
    sweeps.tick(rt.jobs, 60, now=600_000.5)
    sweeps.tick(rt.jobs, 60, now=600_059.5)  # a second worker, the same minute

    assert _sweep_jobs(rt) == [sweeps.job_id(60, 10_000)]


def test_the_next_period_gets_a_sweep_of_its_own(rt):
    sweeps.tick(rt.jobs, 60, now=600_000.5)
    sweeps.tick(rt.jobs, 60, now=600_060.5)

    assert _sweep_jobs(rt) == [sweeps.job_id(60, 10_000), sweeps.job_id(60, 10_001)]


def test_a_tick_waits_until_the_next_period_begins(rt):
    assert sweeps.tick(rt.jobs, 60, now=600_015.0) == 45.0


def test_a_period_already_swept_is_not_swept_again_by_a_late_ticker(rt, run_jobs):
    sweeps.tick(rt.jobs, 60, now=600_000.5)
    run_jobs()

    sweeps.tick(rt.jobs, 60, now=600_030.0)

    assert _sweep_jobs(rt) == []
    assert [run.period for run in sweeps.history(rt.jobs.connection)] == [10_000]


def test_the_sweep_job_records_what_it_did(rt):
    periodic_sweep(123, 60)

    run = sweeps.last(rt.jobs.connection)
    assert (run.period, run.every) == (123, 60)
    assert run.done == {"relayed": 0, "expired": 0, "auto_confirmed": 0, "reinstated": 0,
                        "nudged": 0, "mail_resent": 0, "digests": 0,
                        "lost_jobs_put_back": 0}
    assert sweeps.history(rt.jobs.connection) == [run]


@pytest.mark.slow
def test_two_worker_processes_sweep_each_period_exactly_once(
        database_url, redis_url, rt, tmp_path):
    env = worker_env(database_url, redis_url, tmp_path, EXCHANGE_SWEEP_SECONDS="1")
    log = tmp_path / "workers.log"
    processes = [start_worker(env, log), start_worker(env, log)]
    try:
        connection = rt.jobs.connection
        assert eventually(lambda: blocked_in_blpop(redis_url) == 2), log.read_text()
        both_ticking = int(sweeps.redis_now(connection))  # both tickers started before BLPOP

        def later_runs():
            return [r for r in sweeps.history(connection) if r.period > both_ticking]
        assert eventually(lambda: len(later_runs()) >= 5), log.read_text()
    finally:
        for process in processes:
            end_group(process)

    per_period = Counter(run.period for run in later_runs())
    assert set(per_period.values()) == {1}, per_period
