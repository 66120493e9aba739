"""Redis goes away and comes back: the worker waits it out, and acts the moment it is back.

Found by killing Redis under a running ``exchange worker`` (``tests/workers/
test_redis_outage.py``): RQ's worker quit on the first Redis error outside its dequeue loop (so
the process ended), its scheduler died, the dequeue loop backed off up to 60 s between tries,
each try logged a line per worker thread, and asks posted meanwhile waited in the outbox for
the minute sweep. A Redis back empty had also lost every scheduled follow-up for good.

- ``RidesOutRedis`` (mixed into the main worker and the matching lanes): a Redis error is never
  a reason to quit; the dequeue waits for Redis, trying every second.
- ``wait_for_redis``: a worker started while Redis is down waits for it (RQ's worker cannot be
  built without it, and the process used to exit with a traceback).
- ``OneLinePerOutage``: RQ's "could not connect to Redis" lines, one a minute at most.
- ``watch``: a thread in each worker that asks Redis every ``CHECK_SECONDS`` for its run id.
  When it answers again or with a new run id (it was restarted, however briefly) — and once at
  start — the outbox is re-sent at once (whatever is still pending: the asks posted during the
  outage) and, if Redis has lost the mark a rebuild leaves (it came back empty), the scheduled
  follow-ups are rebuilt from the database (``exchange.schedule``). Both are idempotent, so
  several workers doing it at once is harmless; a short lock keeps them from all rebuilding
  together.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from rq.exceptions import StopRequested

from exchange import schedule
from exchange.adapters.rq_jobs import connect
from exchange.db import UNAVAILABLE
from exchange.outages import OutageLog
from exchange.outbox import service as outbox
from workers.runtime import Runtime

log = logging.getLogger(__name__)
REDIS_AWAY = (redis.ConnectionError, redis.TimeoutError)
CHECK_SECONDS = 0.5
MARK = "exchange:schedule:rebuilt"  # set by a rebuild; gone when Redis lost its data
LOCK = "exchange:schedule:rebuilding"
LOCK_SECONDS = 60


class RidesOutRedis:
    """For an RQ worker class: Redis not answering is waited out, never a reason to quit."""

    max_connection_wait_time = 1.0  # RQ doubles its wait up to 60 s: try every second instead

    def check_for_suspension(self, burst):
        try:
            return super().check_for_suspension(burst)
        except REDIS_AWAY:
            return None  # the dequeue waits for Redis

    def run_maintenance_tasks(self):
        try:
            return super().run_maintenance_tasks()
        except REDIS_AWAY:
            return None  # again at the next interval

    def heartbeat(self, *args, **kwargs):
        try:
            return super().heartbeat(*args, **kwargs)
        except REDIS_AWAY:
            return None  # the dequeue (or the next heartbeat) meets it again

    def execute_job(self, job, queue):
        try:
            return super().execute_job(job, queue)
        except REDIS_AWAY:
            # Redis went between the dequeue and the job's start or end: the job is left where
            # it was, for the retry, the abandoned-job or the lost-job sweep (workers.lost_jobs).
            log.warning("Redis went away around job %s; it is left to the sweeps", job.id)
            return None

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        while True:
            if getattr(self, "_stop_requested", False):
                raise StopRequested()
            try:
                return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            except REDIS_AWAY:  # raised before RQ's own retry loop (setting the worker idle)
                time.sleep(1)


class OneLinePerOutage(logging.Filter):
    """RQ logs "could not connect to Redis instance" on every retry of every worker thread."""

    def __init__(self, every: float = 60.0):
        super().__init__()
        self.every, self._last = every, float("-inf")

    def filter(self, record: logging.LogRecord) -> bool:
        if "could not connect to Redis" not in record.getMessage():
            return True
        now = time.monotonic()
        if now - self._last < self.every:
            return False
        self._last = now
        return True


def wait_for_redis(connection, *, first: float = 0.5, most: float = 5.0,
                   sleep=time.sleep) -> int:
    """Block until Redis answers; how many tries did not. A worker started before Redis (a
    host booting, a compose file without a health check) waits for it instead of exiting
    with a traceback: one line when it starts waiting (again once a minute while it lasts),
    one when Redis answers, tries ``first`` s apart doubling up to ``most``."""
    outage = OutageLog(log, "Redis")
    delay, failed = first, 0
    while True:
        try:
            connection.ping()
        except REDIS_AWAY as error:
            failed += 1
            outage.away(error, "the worker starts once it answers")
            sleep(delay)
            delay = min(delay * 2, most)
            continue
        outage.back()
        return failed


def quiet_rq_retries() -> None:
    rq_log = logging.getLogger("rq.worker")
    if not any(isinstance(f, OneLinePerOutage) for f in rq_log.filters):
        rq_log.addFilter(OneLinePerOutage())


def on_redis_back(rt: Runtime, client) -> dict:
    """Re-send the pending outbox now; rebuild the schedule if Redis forgot it."""
    done = {"relayed": outbox.relay(rt.db, rt.dispatcher, min_age_seconds=0)}
    if not client.exists(MARK) and client.set(LOCK, "1", nx=True, ex=LOCK_SECONDS):
        try:
            with rt.unit_of_work() as uow:
                done["rebuilt"] = schedule.rebuild(uow.session, rt.jobs, rt.settings)
            client.set(MARK, str(time.time()))
        finally:
            client.delete(LOCK)
    return done


def watch(stop: threading.Event, rt: Runtime) -> threading.Thread:
    redis_outage, db_outage = OutageLog(log, "Redis"), OutageLog(log, "The database")

    def loop():
        client = connect(rt.settings.redis_url)
        seen = None  # the run id of the Redis server whose return was handled
        while not stop.is_set():
            try:
                # A restarted server has a new run id: an outage shorter than one look (Redis
                # killed and started again in between) is noticed as well as a long one.
                run_id = client.info("server")["run_id"]
                redis_outage.back()
                if run_id != seen or not client.exists(MARK):
                    done = on_redis_back(rt, client)
                    if done["relayed"] or "rebuilt" in done:
                        log.info("Redis answers: re-sent and rebuilt %s", done)
                    seen = run_id
            except REDIS_AWAY as error:
                seen = None
                redis_outage.away(error, "jobs wait in the outbox until it is back")
            except UNAVAILABLE as error:
                db_outage.away(error, "the outbox is re-sent once it is back")
            except Exception:  # noqa: BLE001 - a bug must not end the watch
                log.exception("could not re-send the outbox or rebuild the schedule")
                stop.wait(5)
            stop.wait(CHECK_SECONDS)

    thread = threading.Thread(target=loop, name="exchange-redis-watch", daemon=True)
    thread.start()
    return thread
