"""The job queue port on RQ: deterministic ids, JSON arguments, retries with backoff.

Every job is enqueued with ``unique=True`` under its deterministic id, so a doubled enqueue
(request and reconciler, a client retry) is refused by Redis atomically and ignored here. Jobs
are at-least-once anyway (a worker can die mid-job), so each job guards itself as well.

RQ keeps no list of the jobs it holds, so every id enqueued here is also written to a sorted
set, ``JOB_INDEX`` (score: when the job is due). It lets the sweep find a job RQ has lost —
its hash says "queued" but it is on no queue and nobody runs it (``workers.lost_jobs``).
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from rq.scripts import get_unique_schedule_script
from rq.serializers import JSONSerializer

from exchange.adapters import logs
from exchange.ports import JobSpec

# Highest priority first: an offer waits on nothing, a push or an email on little else.
QUEUES = ("matching", "push", "mail", "reminders", "housekeeping")
RETRY = dict(max=4, interval=[2, 10, 60, 300])
JOB_TIMEOUT = 30  # our jobs take milliseconds; a short timeout keeps abandoned-job recovery fast
RESULT_TTL = 3600
JOB_INDEX = "exchange:jobs:index"


def connect(url: str, **options) -> Redis:
    """A client that fails fast (no multi-second backoff) so a request never hangs on Redis."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry as RedisRetry
    options = {"socket_connect_timeout": 2, "socket_timeout": 5, **options}
    return Redis.from_url(url, retry=RedisRetry(NoBackoff(), 0), **options)


def request_meta() -> dict:
    """The enqueuing request's id and arrival time, for the job's log lines and post → offer
    (``exchange.adapters.logs``); empty outside a request (a sweep, the reconciler)."""
    rid, received = logs.request_id.get(), logs.received_at.get()
    meta = {"request_id": rid} if rid else {}
    if received is not None:
        meta["received_at"] = received
    return meta


def _whole_second(when: datetime) -> datetime:
    # RQ keeps the due time in whole seconds, truncated: round up, or the job can run just
    # before its moment and its own guard (not due yet) makes it a no-op.
    if when.microsecond:
        return when.replace(microsecond=0) + timedelta(seconds=1)
    return when


class RQJobQueue:
    def __init__(self, connection: Redis):
        self.connection = connection
        self._queues = {name: Queue(name, connection=connection, serializer=JSONSerializer)
                        for name in QUEUES}

    def queue(self, name: str) -> Queue:
        return self._queues[name]

    def _options(self, job_id: str) -> dict:
        return dict(job_id=job_id, unique=True, retry=Retry(**RETRY), job_timeout=JOB_TIMEOUT,
                    result_ttl=RESULT_TTL, meta=request_meta())

    def enqueue(self, func: str, *args, job_id: str, queue: str = "matching") -> None:
        try:
            self._queues[queue].enqueue(func, *args, **self._options(job_id))
        except DuplicateJobError:
            pass  # already queued, running or done: the same job, once
        self._index(job_id, time.time())

    def enqueue_at(self, when: datetime, func: str, *args, job_id: str,
                   queue: str = "reminders") -> None:
        when = _whole_second(when)
        try:
            self._queues[queue].enqueue_at(when, func, *args, **self._options(job_id))
        except DuplicateJobError:
            pass
        self._index(job_id, when.timestamp())

    def enqueue_many(self, jobs: Sequence[JobSpec]) -> None:
        """Jobs due now as ``enqueue`` does (one by one: RQ's unique enqueue is its own round
        trip); scheduled jobs — a wave's delayed pushes and mails, two per offered helper — in
        one pipeline: RQ's own unique-schedule script per job, and their index entries."""
        later = [job for job in jobs if job.when is not None]
        for job in jobs:
            if job.when is None:
                self.enqueue(job.func, *job.args, job_id=job.job_id, queue=job.queue)
        if len(later) == 1:
            job = later[0]
            self.enqueue_at(job.when, job.func, *job.args, job_id=job.job_id, queue=job.queue)
        elif later:
            self._schedule_many(later)

    def _schedule_many(self, jobs: Sequence[JobSpec]) -> None:
        script = get_unique_schedule_script(self.connection)
        queues_key = Queue.redis_queues_keys
        pipe = self.connection.pipeline(transaction=False)
        for spec in jobs:
            when = _whole_second(spec.when)
            queue = self._queues[spec.queue]
            job = queue.create_job(spec.func, args=spec.args, status=JobStatus.SCHEDULED,
                                   job_id=spec.job_id, timeout=JOB_TIMEOUT,
                                   result_ttl=RESULT_TTL, meta=request_meta(),
                                   retry=Retry(**RETRY))
            fields = []
            for key, value in job.to_dict().items():
                if value is not None:
                    fields += [key, value if isinstance(value, bytes | str) else str(value)]
            # The very call ``Queue.schedule_job(..., unique=True)`` makes, on the pipeline:
            # a job id already held (queued, running, done) is left alone (the script's 0).
            script(keys=[job.key, ScheduledJobRegistry(queue=queue).key, queues_key],
                   args=[job.id, -1 if job.ttl is None else job.ttl,
                         calendar.timegm(when.utctimetuple()), queue.key, *fields],
                   client=pipe)
            pipe.zadd(JOB_INDEX, {spec.job_id: when.timestamp()}, nx=True)
        pipe.execute()

    def _index(self, job_id: str, due: float) -> None:
        # After the enqueue, and for a duplicate too: a job enqueued before the index existed,
        # or lost since, is found again the next time its event is sent.
        self.connection.zadd(JOB_INDEX, {job_id: due}, nx=True)

    def cancel(self, job_id: str) -> None:
        try:
            job = Job.fetch(job_id, connection=self.connection, serializer=JSONSerializer)
        except NoSuchJobError:
            return
        if job.get_status() in (JobStatus.SCHEDULED, JobStatus.QUEUED, JobStatus.DEFERRED):
            job.delete()
            self.connection.zrem(JOB_INDEX, job_id)
