"""What a worker killed outright leaves — a started job, a job taken but not started, its
scheduler's lock — is taken back once its owner's connections have been gone a while; what a
live worker (or one not named by ``exchange worker``) holds is left alone. Real Redis, real
RQ; the processes are stood in for by their connections (``test_kill_during_run`` kills real
ones)."""

from __future__ import annotations

import pytest
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from exchange.adapters.rq_jobs import connect
from workers import dead_workers

WIP = "rq:wip:matching"
INTERMEDIATE = "rq:queue:matching:intermediate"


@pytest.fixture
def connection(rt):
    return rt.jobs.connection


@pytest.fixture
def alive(redis_url):
    """A connection named as a live worker's."""
    client = connect(redis_url, client_name="exchange-worker-alive")
    client.ping()
    yield "exchange-worker-alive"
    client.close()


def _started_by(rt, connection, job_id: str, worker: str) -> None:
    """What a worker does as it starts a job: off the queue, "started", in the registry."""
    rt.jobs.enqueue("operator.add", 1, 2, job_id=job_id, queue="matching")
    assert connection.lrem("rq:queue:matching", 1, job_id) == 1
    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    job.worker_name = worker
    job.set_status(JobStatus.STARTED)
    job.save()
    connection.zadd(WIP, {f"{job_id}:exec": 9_999_999_999})


def _status(connection, job_id: str) -> JobStatus:
    return Job.fetch(job_id, connection=connection, serializer=JSONSerializer).get_status()


def test_a_job_started_by_a_worker_that_is_gone_goes_back_on_its_queue(rt, connection, alive):
    _started_by(rt, connection, "add-gone", "exchange-worker-gone")
    _started_by(rt, connection, "add-alive", alive)
    _started_by(rt, connection, "add-theirs", "a-plain-rq-worker")

    assert dead_workers.reclaim(connection, missing_seconds=0) == (0, 0)  # first seen missing
    assert dead_workers.reclaim(connection, missing_seconds=0) == (1, 0)

    assert rt.jobs.queue("matching").job_ids == ["add-gone"]
    assert _status(connection, "add-gone") == JobStatus.QUEUED
    assert {m.decode() for m in connection.zrange(WIP, 0, -1)} == {"add-alive:exec",
                                                                   "add-theirs:exec"}
    assert _status(connection, "add-alive") == JobStatus.STARTED


def test_nothing_is_taken_back_before_its_owner_was_missing_long_enough(rt, connection):
    _started_by(rt, connection, "add-gone", "exchange-worker-gone")

    for _ in range(3):
        assert dead_workers.reclaim(connection, missing_seconds=3600) == (0, 0)

    assert _status(connection, "add-gone") == JobStatus.STARTED


def test_a_job_taken_off_its_queue_and_never_started_goes_back(rt, connection):
    rt.jobs.enqueue("operator.add", 1, 2, job_id="add-1", queue="matching")
    connection.lmove("rq:queue:matching", INTERMEDIATE)  # a worker's BLMOVE, then it died

    dead_workers.reclaim(connection, missing_seconds=0)
    assert dead_workers.reclaim(connection, missing_seconds=0) == (1, 0)

    assert rt.jobs.queue("matching").job_ids == ["add-1"]
    assert connection.llen(INTERMEDIATE) == 0


def test_the_lock_of_a_scheduler_that_is_gone_is_released_and_a_live_ones_kept(
        connection, alive):
    connection.set("rq:scheduler-lock:matching", "exchange-scheduler-gone", ex=60)
    connection.set("rq:scheduler-lock:mail", alive, ex=60)

    dead_workers.reclaim(connection, missing_seconds=0)
    assert dead_workers.reclaim(connection, missing_seconds=0) == (0, 1)

    assert connection.get("rq:scheduler-lock:matching") is None
    assert connection.get("rq:scheduler-lock:mail").decode() == alive


def test_an_owner_back_before_its_time_is_forgotten(rt, connection, redis_url):
    _started_by(rt, connection, "add-1", "exchange-worker-back")
    dead_workers.reclaim(connection, missing_seconds=0)  # seen missing (Redis dropped it)
    back = connect(redis_url, client_name="exchange-worker-back")
    back.ping()
    try:
        assert dead_workers.reclaim(connection, missing_seconds=0) == (0, 0)
        assert connection.hgetall(dead_workers.MISSING) == {}
    finally:
        back.close()
    assert _status(connection, "add-1") == JobStatus.STARTED
