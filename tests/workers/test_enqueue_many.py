"""``enqueue_many``: a wave's delayed push and mail jobs in one Redis round trip, each job the
very job ``enqueue_at`` would have made — same hash, same registry entry, same index entry,
unique by id. Real Redis, real RQ."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from exchange.adapters.rq_jobs import JOB_INDEX
from exchange.ports import JobSpec

# Fields that differ between any two jobs made at different moments.
MOMENTS = {b"created_at", b"enqueued_at", b"last_heartbeat"}


def _hash(connection, job_id: str) -> dict:
    return {k: v for k, v in connection.hgetall(f"rq:job:{job_id}").items() if k not in MOMENTS}


def test_scheduled_jobs_are_the_jobs_enqueue_at_makes(rt):
    connection = rt.jobs.connection
    due = datetime.now(UTC).replace(microsecond=250_000) + timedelta(hours=1)
    rt.jobs.enqueue_at(due, "operator.add", 1, 2, job_id="one-by-one", queue="push")
    rt.jobs.enqueue_many([JobSpec("operator.add", (1, 2), "together-a", "push", due),
                          JobSpec("operator.add", (3, 4), "together-b", "mail", due)])

    alone, together = _hash(connection, "one-by-one"), _hash(connection, "together-a")
    assert together.pop(b"description") == b"operator.add(1, 2)"
    assert alone.pop(b"description") == b"operator.add(1, 2)"
    assert together == alone
    for queue, job_id in (("push", "together-a"), ("mail", "together-b")):
        registry = ScheduledJobRegistry(queue, connection=connection)
        assert job_id in registry.get_job_ids()
        # RQ keeps whole seconds; the due time is rounded up, never down.
        assert registry.get_scheduled_time(job_id) == due.replace(microsecond=0) + timedelta(
            seconds=1)
    indexed = dict(connection.zrange(JOB_INDEX, 0, -1, withscores=True))
    assert indexed[b"together-a"] == indexed[b"one-by-one"] == (
        due.replace(microsecond=0) + timedelta(seconds=1)).timestamp()


def test_an_id_already_held_is_left_as_it_is(rt):
    connection = rt.jobs.connection
    first = datetime.now(UTC) + timedelta(hours=1)
    rt.jobs.enqueue_many([JobSpec("operator.add", (1, 2), "held", "push", first),
                          JobSpec("operator.add", (5, 6), "other", "push", first)])
    rt.jobs.enqueue_many([JobSpec("operator.mul", (3, 4), "held", "push", first + timedelta(1)),
                          JobSpec("operator.add", (7, 8), "new", "push", first)])
    job = Job.fetch("held", connection=connection, serializer=JSONSerializer)
    assert (job.func_name, job.args) == ("operator.add", [1, 2])
    registry = ScheduledJobRegistry("push", connection=connection)
    assert sorted(registry.get_job_ids()) == ["held", "new", "other"]
    assert registry.get_scheduled_time("held") < first + timedelta(seconds=2)


def test_jobs_due_now_are_queued_and_scheduled_ones_run_when_due(rt, run_jobs):
    connection = rt.jobs.connection
    soon = datetime.now(UTC) + timedelta(minutes=2)
    rt.jobs.enqueue_many([JobSpec("operator.add", (1, 2), "now-1", "push"),
                          JobSpec("operator.add", (2, 3), "later-1", "push", soon),
                          JobSpec("operator.add", (3, 4), "later-2", "mail", soon)])
    assert rt.jobs.queue("push").job_ids == ["now-1"]
    run_jobs()
    status = {j: Job.fetch(j, connection=connection, serializer=JSONSerializer).get_status()
              for j in ("now-1", "later-1", "later-2")}
    assert status == {"now-1": JobStatus.FINISHED, "later-1": JobStatus.SCHEDULED,
                      "later-2": JobStatus.SCHEDULED}
    with time_machine.travel(soon + timedelta(seconds=5), tick=True):
        run_jobs()
    results = {j: Job.fetch(j, connection=connection, serializer=JSONSerializer).return_value()
               for j in ("later-1", "later-2")}
    assert results == {"later-1": 5, "later-2": 7}


def test_nothing_to_enqueue_sends_nothing(rt):
    before = rt.jobs.connection.dbsize()
    rt.jobs.enqueue_many([])
    assert rt.jobs.connection.dbsize() == before
