"""The sweep finds jobs RQ lost — "queued" on no queue, nobody running them — and puts them
back; a job a worker has just popped is left to that worker. Real Redis, real RQ."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from exchange.adapters.rq_jobs import JOB_INDEX
from exchange.offers.models import Offer
from workers import lost_jobs


@pytest.fixture
def connection(rt):
    return rt.jobs.connection


def _lose(connection, queue: str, job_id: str) -> None:
    """What a dead consumer's BLPOP does: the id leaves the list, the hash says "queued"."""
    assert connection.lrem(f"rq:queue:{queue}", 1, job_id) == 1


def _status(connection, job_id: str) -> JobStatus:
    return Job.fetch(job_id, connection=connection, serializer=JSONSerializer).get_status()


def _indexed(connection) -> set[str]:
    return {i.decode() for i in connection.zrange(JOB_INDEX, 0, -1)}


def test_a_lost_matching_job_is_put_back_by_the_second_sweep_and_the_ask_is_offered(
        job_api, rt, connection, run_jobs, make_uow):
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    ask = job_api.ask(asker, tags=["python"])
    job_id = f"match-{ask['id']}-0-1"
    _lose(connection, "matching", job_id)

    assert lost_jobs.recover(connection) == 0  # first sighting: it may be in a worker's hands
    assert lost_jobs.counts(connection).suspected == 1
    assert lost_jobs.recover(connection) == 1
    run_jobs()

    with make_uow() as uow:
        assert uow.session.query(Offer).filter_by(ask_id=ask["id"]).count() == 1
    assert lost_jobs.counts(connection) == lost_jobs.LostJobs(suspected=0, put_back=1)


def test_a_job_a_worker_has_just_popped_is_left_to_that_worker(rt, connection):
    rt.jobs.enqueue("operator.add", 1, 2, job_id="add-1", queue="matching")
    assert connection.lpop("rq:queue:matching") == b"add-1"  # popped; not yet marked started

    assert lost_jobs.recover(connection) == 0
    Job.fetch("add-1", connection=connection, serializer=JSONSerializer).set_status(
        JobStatus.STARTED)  # the worker gets to it
    assert lost_jobs.recover(connection) == 0

    assert rt.jobs.queue("matching").job_ids == []
    assert lost_jobs.counts(connection).suspected == 0


def test_a_lost_job_that_turns_up_on_its_queue_is_not_queued_twice(rt, connection):
    rt.jobs.enqueue("operator.add", 1, 2, job_id="add-1", queue="matching")
    _lose(connection, "matching", "add-1")
    lost_jobs.recover(connection)
    connection.rpush("rq:queue:matching", "add-1")  # back, by some other hand

    assert lost_jobs.recover(connection) == 0
    assert rt.jobs.queue("matching").job_ids == ["add-1"]


def test_a_scheduled_job_missing_from_its_registry_is_queued_once_it_is_due(rt, connection):
    due = datetime.now(UTC) + timedelta(hours=1)
    rt.jobs.enqueue_at(due, "operator.add", 1, 2, job_id="later-1", queue="reminders")
    connection.zrem("rq:scheduled:reminders", "later-1")
    after = due.timestamp() + 1

    assert lost_jobs.recover(connection) == 0  # not due yet: not even looked at
    assert lost_jobs.counts(connection).suspected == 0
    lost_jobs.recover(connection, now=after)
    assert lost_jobs.recover(connection, now=after) == 1

    assert rt.jobs.queue("reminders").job_ids == ["later-1"]
    assert _status(connection, "later-1") == JobStatus.QUEUED


def test_waiting_jobs_stay_in_the_index_and_finished_ones_leave_it(rt, connection, run_jobs):
    rt.jobs.enqueue("operator.add", 1, 2, job_id="add-1", queue="matching")
    rt.jobs.enqueue_at(datetime.now(UTC) + timedelta(hours=1), "operator.add", 1, 2,
                       job_id="later-1", queue="reminders")
    lost_jobs.recover(connection)
    assert _indexed(connection) == {"add-1", "later-1"}

    run_jobs()
    lost_jobs.recover(connection)

    assert _indexed(connection) == {"later-1"}
    assert lost_jobs.counts(connection).suspected == 0


def test_a_cancelled_job_leaves_the_index(rt, connection):
    rt.jobs.enqueue_at(datetime.now(UTC) + timedelta(hours=1), "operator.add", 1, 2,
                       job_id="later-1", queue="reminders")

    rt.jobs.cancel("later-1")

    assert _indexed(connection) == set()


def test_a_job_enqueued_again_while_lost_is_indexed_and_found(rt, connection):
    """A job lost before the index existed: its event sent again (the reconciler) is refused as
    a duplicate, but the id is indexed, and the sweep finds it."""
    rt.jobs.enqueue("operator.add", 1, 2, job_id="add-1", queue="matching")
    _lose(connection, "matching", "add-1")
    connection.delete(JOB_INDEX)

    rt.jobs.enqueue("operator.add", 1, 2, job_id="add-1", queue="matching")
    lost_jobs.recover(connection)

    assert lost_jobs.recover(connection) == 1
    assert rt.jobs.queue("matching").job_ids == ["add-1"]


def test_putting_back_checks_again_so_a_job_back_on_its_queue_meanwhile_is_not_doubled(
        rt, connection, monkeypatch):
    rt.jobs.enqueue("operator.add", 1, 2, job_id="add-1", queue="matching")
    _lose(connection, "matching", "add-1")
    lost_jobs.recover(connection)
    connection.rpush("rq:queue:matching", "add-1")
    # The sweep's snapshot is older than that push: it still sees the job lost.
    monkeypatch.setattr(lost_jobs, "_lost", lambda connection, jobs: {"add-1"})

    assert lost_jobs.recover(connection) == 0
    assert rt.jobs.queue("matching").job_ids == ["add-1"]
