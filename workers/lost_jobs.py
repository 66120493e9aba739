"""Finding the jobs RQ has lost, and putting them back on their queue (run by the sweep).

RQ dequeues from several queues with BLPOP, which is at-most-once: a job popped by a
connection whose worker is dead is gone from its list while its hash still says "queued", and
nothing in RQ looks for it (abandoned-job recovery covers only jobs that had *started*). The
adapter writes every id it enqueues to ``JOB_INDEX``; each sweep walks the entries that are
due and sorts them:

- finished, failed, stopped, cancelled or gone: dropped from the index;
- started, deferred, or where their status says (on the queue or its intermediate list,
  in the scheduled registry): left alone;
- otherwise *lost*. A worker that has just popped a job looks lost for the few milliseconds
  before it marks the job started, so a job is put back only when two sweeps in a row (a
  period apart) found it lost, and then only if nothing touched it in between (a WATCHed
  transaction re-checks and enqueues it with RQ's own code). Jobs are idempotent anyway.

What the last sweep suspected and how many jobs were put back is kept in Redis for
``exchange jobs``. Only Redis and RQ here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import WatchError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.intermediate_queue import IntermediateQueue
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from exchange.adapters.rq_jobs import JOB_INDEX

log = logging.getLogger(__name__)
SUSPECTS = "exchange:jobs:suspects"
PUT_BACK = "exchange:jobs:put-back"
DONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}
WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED}


@dataclass(frozen=True)
class LostJobs:
    suspected: int  # found lost by the last sweep, put back by the next unless they turn up
    put_back: int  # in all, since Redis was last emptied


def recover(connection: Redis, now: float | None = None) -> int:
    """One pass over the due part of the index; returns how many lost jobs went back."""
    due = [_text(i) for i in connection.zrangebyscore(
        JOB_INDEX, "-inf", time.time() if now is None else now)]
    fetched = Job.fetch_many(due, connection=connection, serializer=JSONSerializer)
    jobs = dict(zip(due, fetched, strict=True))
    done = [i for i, job in jobs.items() if job is None or job.get_status(refresh=False) in DONE]
    lost = _lost(connection, [job for job in jobs.values()
                              if job is not None and job.get_status(refresh=False) in WAITING])
    suspected_before = {_text(i) for i in connection.smembers(SUSPECTS)}
    put_back = {i for i in sorted(lost & suspected_before) if _put_back(connection, jobs[i])}
    with connection.pipeline() as pipe:
        if done:
            pipe.zrem(JOB_INDEX, *done)
        pipe.delete(SUSPECTS)
        if lost - put_back:
            pipe.sadd(SUSPECTS, *sorted(lost - put_back))
        if put_back:
            pipe.incrby(PUT_BACK, len(put_back))
        pipe.execute()
    return len(put_back)


def counts(connection: Redis) -> LostJobs:
    return LostJobs(suspected=connection.scard(SUSPECTS),
                    put_back=int(connection.get(PUT_BACK) or 0))


def _lost(connection: Redis, jobs: list[Job]) -> set[str]:
    """The waiting jobs that are nowhere their status says."""
    listed: dict[str, set[str]] = {}
    for origin in {job.origin for job in jobs}:
        queue = Queue(origin, connection=connection, serializer=JSONSerializer)
        listed[origin] = {_text(i) for key in (queue.key, queue.intermediate_queue_key)
                          for i in connection.lrange(key, 0, -1)}
    with connection.pipeline(transaction=False) as pipe:
        for job in jobs:
            pipe.zscore(ScheduledJobRegistry(job.origin, connection=connection).key, job.id)
        scheduled = pipe.execute()
    return {job.id for job, score in zip(jobs, scheduled, strict=True)
            if job.id not in listed[job.origin] and score is None}


def _put_back(connection: Redis, job: Job) -> bool:
    """Enqueue ``job`` again if it is still lost, atomically; False if anything moved."""
    queue = Queue(job.origin, connection=connection, serializer=JSONSerializer)
    registry = ScheduledJobRegistry(job.origin, connection=connection)
    intermediate = IntermediateQueue.get_intermediate_queue_key(queue.key)
    with connection.pipeline() as pipe:
        try:
            pipe.watch(job.key, queue.key, intermediate, registry.key)
            fresh = Job.fetch(job.id, connection=connection, serializer=JSONSerializer)
            if (fresh.get_status(refresh=False) not in WAITING
                    or pipe.lpos(queue.key, job.id) is not None
                    or pipe.lpos(intermediate, job.id) is not None
                    or pipe.zscore(registry.key, job.id) is not None):
                return False
            pipe.multi()
            queue.enqueue_job(fresh, pipeline=pipe, at_front=True)  # it has waited long enough
            pipe.execute()
        except (WatchError, NoSuchJobError):  # it moved, or went: the next sweep looks again
            return False
    log.warning("job %s was %s on %s but on no queue and not running: put back on its queue",
                job.id, job.get_status(refresh=False).value, job.origin)
    return True


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value
