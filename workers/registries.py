"""What the job queues hold, read from RQ's own registries: the operator's view behind
``exchange jobs``. Only Redis and RQ here (no database, no core), so it answers even when the
rest of the exchange is unwell.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from rq import Queue
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from exchange.adapters.rq_jobs import QUEUES


@dataclass(frozen=True)
class QueueCounts:
    name: str
    queued: int
    scheduled: int
    started: int
    failed: int


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    function: str
    error: str  # the last line of the traceback: usually the exception and its message


def queues(connection: Redis) -> list[Queue]:
    """Ours first, in priority order, then any other queue Redis knows about."""
    known = [q.name for q in Queue.all(connection=connection, serializer=JSONSerializer)]
    names = list(QUEUES) + sorted(set(known) - set(QUEUES))
    return [Queue(name, connection=connection, serializer=JSONSerializer) for name in names]


def counts(connection: Redis) -> list[QueueCounts]:
    return [QueueCounts(name=q.name, queued=q.count, scheduled=q.scheduled_job_registry.count,
                        started=q.started_job_registry.count,
                        failed=q.failed_job_registry.count)
            for q in queues(connection)]


def failed(connection: Redis) -> list[FailedJob]:
    found = []
    for queue in queues(connection):
        ids = queue.failed_job_registry.get_job_ids()
        jobs = Job.fetch_many(ids, connection=connection, serializer=JSONSerializer)
        found += [_failed(job, queue.name) for job in jobs if job is not None]
    return found


def _failed(job: Job, queue: str) -> FailedJob:
    result = job.latest_result()
    lines = (result.exc_string or "").strip().splitlines() if result else []
    return FailedJob(id=job.id, queue=queue, function=job.func_name or "?",
                     error=lines[-1] if lines else "(no traceback kept)")


def requeue(connection: Redis, job_id: str) -> bool:
    """Put one failed job back on its queue; False when no failed job has that id."""
    return any(_take_back(q, job_id) for q in queues(connection)
               if job_id in q.failed_job_registry)


def requeue_all(connection: Redis) -> int:
    return sum(_take_back(q, job_id) for q in queues(connection)
               for job_id in q.failed_job_registry.get_job_ids())


def _take_back(queue: Queue, job_id: str) -> bool:
    try:
        queue.failed_job_registry.requeue(job_id)
    except (InvalidJobOperation, NoSuchJobError):
        return False  # requeued (or deleted) by someone else just now
    return True
