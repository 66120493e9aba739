"""What a worker killed outright leaves behind, taken back within seconds instead of a minute.

A worker SIGKILLed (the OOM killer, ``docker kill``) with its scheduler leaves two things that
RQ only notices by time: the job it was running stays "started" until its heartbeat runs out
(the job timeout and a grace: 40 s) and the next maintenance looks (up to 15 s more); and the
scheduler's lock stays taken for its 61 s TTL, so no scheduler enqueues the due waves and
retries meanwhile. Found by ``tests/workers/test_kill_during_run.py``: asks waited over 70 s
for their first offer.

A killed process's sockets are closed by the kernel at once, and Redis forgets its clients. So
every connection of an ``exchange worker`` carries a name — the worker's, its matching lanes',
its scheduler's, all starting with ``OURS`` — and a name with no client left is a process that
has gone. Each worker's maintenance (``workers.cli``) calls ``reclaim``:

- a started job whose worker has no connection is put back on its queue (RQ's own enqueue, its
  entry in the started registry removed), as RQ's abandoned-job handling would do later;
- a job a dead worker had taken off its queue but not yet started (RQ moves it to the queue's
  intermediate list first: RQ itself fails it after a minute, and retries it when a scheduler
  gets round to it) goes back on its queue;
- a scheduler lock whose holder has no connection is released (only if it still names that
  holder), so the maintenance that follows takes it and starts a scheduler.

Only once the owner has been missing (or the job sat in the intermediate list, not started)
for ``MISSING_SECONDS`` — first seen so, kept in Redis, so any worker's later look can act: a
live worker's connections are all gone for a moment only when Redis itself dropped them, and
it is back within a second; a live worker starts a job it took within milliseconds. Jobs and
schedulers named otherwise (a plain ``rq worker``, the tests' in-process worker) are left to
RQ's own clocks. Only Redis and RQ here.
"""

from __future__ import annotations

import logging
import uuid

from redis import Redis
from redis.exceptions import WatchError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from exchange.adapters.rq_jobs import QUEUES

log = logging.getLogger(__name__)
OURS = "exchange-"
MISSING = "exchange:owners:missing"  # hash: owner name -> when first seen missing (Redis time)
MISSING_SECONDS = 10
LOCKS = "rq:scheduler-lock:*"
TAKEN = "taken:"  # in MISSING: a job in an intermediate list, not started
RELEASE = """if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1]) else return 0 end"""


def name(role: str) -> str:
    """A fresh name for a worker, lane or scheduler, and for its connections."""
    return f"{OURS}{role}-{uuid.uuid4().hex[:12]}"


def reclaim(connection: Redis, missing_seconds: float = MISSING_SECONDS) -> tuple[int, int]:
    """Put back the jobs of workers gone, release the locks of schedulers gone: (jobs, locks).
    """
    seconds, micros = connection.time()
    now = seconds + micros / 1e6
    alive = {c.get("name") for c in connection.client_list()}
    started = _started_jobs(connection)
    locks = {_text(key): _text(holder) for key in connection.scan_iter(match=LOCKS)
             if (holder := connection.get(key)) is not None}
    owners = {job.worker_name for job in started} | set(locks.values())
    missing = {o for o in owners if o and o.startswith(OURS) and o not in alive}
    taken = _taken_not_started(connection)
    gone = _missing_long_enough(connection, missing | {TAKEN + i for i in taken}, now,
                                missing_seconds)
    jobs = sum(_put_back(connection, job) for job in started if job.worker_name in gone)
    jobs += sum(_untake(connection, queue, job_id) for job_id, queue in taken.items()
                if TAKEN + job_id in gone)
    released = sum(_release(connection, key, holder)
                   for key, holder in locks.items() if holder in gone)
    return jobs, released


def _started_jobs(connection: Redis) -> list[Job]:
    """The jobs in our queues' started registries (a few: what runs right now)."""
    ids = {_text(entry).split(":", 1)[0] for name in QUEUES
           for entry in connection.zrange(StartedJobRegistry(name, connection=connection).key,
                                          0, -1)}
    jobs = Job.fetch_many(sorted(ids), connection=connection, serializer=JSONSerializer)
    return [job for job in jobs
            if job is not None and job.get_status(refresh=False) == JobStatus.STARTED]


def _taken_not_started(connection: Redis) -> dict[str, Queue]:
    """Jobs in an intermediate list that are not running: job id -> its queue."""
    found = {}
    for name in QUEUES:
        queue = Queue(name, connection=connection, serializer=JSONSerializer)
        ids = [_text(i) for i in connection.lrange(queue.intermediate_queue_key, 0, -1)]
        for job in Job.fetch_many(ids, connection=connection, serializer=JSONSerializer):
            if job is not None and job.get_status(refresh=False) == JobStatus.QUEUED:
                found[job.id] = queue
    return found


def _untake(connection: Redis, queue: Queue, job_id: str) -> bool:
    """Move a job from the intermediate list back onto its queue, if it is still there."""
    with connection.pipeline() as pipe:
        try:
            pipe.watch(f"{Job.redis_job_namespace_prefix}{job_id}", queue.intermediate_queue_key)
            fresh = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
            if (fresh.get_status(refresh=False) != JobStatus.QUEUED
                    or pipe.lpos(queue.intermediate_queue_key, job_id) is None):
                return False
            pipe.multi()
            pipe.lrem(queue.intermediate_queue_key, 1, job_id)
            pipe.delete(f"{queue.intermediate_queue_key}:first_seen:{job_id}")  # RQ's clock
            queue.enqueue_job(fresh, pipeline=pipe, at_front=True)
            pipe.execute()
        except (WatchError, NoSuchJobError):
            return False
    log.warning("job %s was taken off %s by a worker that never started it: put back on its "
                "queue", job_id, queue.name)
    return True


def _missing_long_enough(connection: Redis, missing: set[str], now: float,
                         missing_seconds: float) -> set[str]:
    """Record when each owner was first seen missing; forget the ones back or done with."""
    seen = {_text(k): float(v) for k, v in connection.hgetall(MISSING).items()}
    with connection.pipeline() as pipe:
        if set(seen) - missing:
            pipe.hdel(MISSING, *(set(seen) - missing))
        new = {o: now for o in missing - set(seen)}
        if new:
            pipe.hset(MISSING, mapping=new)
        pipe.execute()
    return {o for o in missing if o in seen and now - seen[o] >= missing_seconds}


def _put_back(connection: Redis, job: Job) -> bool:
    """Enqueue a job its dead worker had started, if nothing moved it meanwhile."""
    queue = Queue(job.origin, connection=connection, serializer=JSONSerializer)
    registry = StartedJobRegistry(job.origin, connection=connection)
    with connection.pipeline() as pipe:
        try:
            pipe.watch(job.key, registry.key)
            fresh = Job.fetch(job.id, connection=connection, serializer=JSONSerializer)
            if (fresh.get_status(refresh=False) != JobStatus.STARTED
                    or fresh.worker_name != job.worker_name):
                return False
            entries = [e for e in pipe.zrange(registry.key, 0, -1)
                       if _text(e).split(":", 1)[0] == job.id]
            pipe.multi()
            if entries:
                pipe.zrem(registry.key, *entries)
            queue.enqueue_job(fresh, pipeline=pipe, at_front=True)
            pipe.execute()
        except (WatchError, NoSuchJobError):  # it moved: the next look decides again
            return False
    log.warning("job %s was started on %s by %s, which is gone: put back on its queue",
                job.id, job.origin, job.worker_name)
    return True


def _release(connection: Redis, key: str, holder: str) -> bool:
    if not connection.eval(RELEASE, 1, key, holder):
        return False
    log.warning("released %s, held by %s, which is gone", key, holder)
    return True


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value
