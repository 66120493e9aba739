"""One periodic sweep per deployment, however many workers run.

Time is cut into periods of ``every`` seconds, numbered by Redis's clock (one clock for every
host). A small ticker thread in each ``exchange worker`` enqueues, as each period begins, the
job ``sweep-{every}s-{period}`` with RQ's ``unique=True``: the first enqueue wins and the
others are refused, so the period is swept exactly once, by whichever worker takes the job —
and a worker that dies mid-sweep leaves a job RQ retries, not a sweep nobody owns. A finished
sweep keeps its id for an hour (``RESULT_TTL``), so a late ticker cannot sweep a period again.

RQ 3's cron scheduler was the other candidate; it keeps its timing in the memory of one
process and takes no lock, so M workers each running one would sweep M times. Each sweep
records what it did (``record``) where ``exchange jobs`` shows it. Only Redis and RQ here.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from dataclasses import dataclass

import redis
from redis import Redis

from exchange.adapters.rq_jobs import RQJobQueue
from exchange.outages import OutageLog

log = logging.getLogger(__name__)
OUTAGE = OutageLog(log, "Redis (the sweep ticker)")
SWEEP_JOB = "workers.housekeeping.periodic_sweep"
DEFAULT_SECONDS = 60
LAST = "exchange:sweep:last"
HISTORY = "exchange:sweep:history"
HISTORY_LENGTH = 100


@dataclass(frozen=True)
class SweepRun:
    period: int
    every: int
    at: float  # Redis time, seconds since the epoch
    worker: str  # host:pid
    done: dict


def job_id(every: int, period: int) -> str:
    return f"sweep-{every}s-{period}"


def redis_now(connection: Redis) -> float:
    seconds, micros = connection.time()
    return seconds + micros / 1e6


def tick(jobs: RQJobQueue, every: int, now: float | None = None) -> float:
    """Enqueue this period's sweep (a no-op if any worker already did); seconds to the next."""
    now = redis_now(jobs.connection) if now is None else now
    period = int(now // every)
    jobs.enqueue(SWEEP_JOB, period, every, job_id=job_id(every, period), queue="housekeeping")
    return (period + 1) * every - now


def ticker(stop: threading.Event, jobs: RQJobQueue, every: int) -> threading.Thread:
    def loop():
        while not stop.is_set():
            try:
                wait = tick(jobs, every)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                OUTAGE.away(error, "the sweep is enqueued again next period")
                wait = every
            except Exception:  # noqa: BLE001 - the next period tries again
                log.exception("could not enqueue the sweep")
                wait = every
            stop.wait(wait)
    thread = threading.Thread(target=loop, name="exchange-sweep-ticker", daemon=True)
    thread.start()
    return thread


def record(connection: Redis, *, period: int, every: int, done: dict) -> SweepRun:
    run = SweepRun(period=period, every=every, at=redis_now(connection),
                   worker=f"{socket.gethostname()}:{os.getpid()}", done=done)
    entry = json.dumps(run.__dict__)
    with connection.pipeline() as pipe:
        pipe.set(LAST, entry)
        pipe.lpush(HISTORY, entry)
        pipe.ltrim(HISTORY, 0, HISTORY_LENGTH - 1)
        pipe.execute()
    return run


def last(connection: Redis) -> SweepRun | None:
    entry = connection.get(LAST)
    return SweepRun(**json.loads(entry)) if entry else None


def history(connection: Redis) -> list[SweepRun]:
    """The recent sweeps, newest first."""
    return [SweepRun(**json.loads(entry)) for entry in connection.lrange(HISTORY, 0, -1)]
