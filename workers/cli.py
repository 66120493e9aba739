"""``exchange worker``: an RQ worker with the scheduler, plus its share of the periodic sweep.

Registered on the ``exchange`` script through the ``exchange.commands`` entry point, so the
web package never imports the workers. Abandoned-job recovery is tuned down from RQ's defaults
(a heartbeat TTL of the job timeout + 60 s, maintenance every 10 minutes): with a 30 s job
timeout, a 10 s grace and maintenance every 15 s, a job whose worker died is found abandoned
and retried (jobs carry retries) by another worker within about 55 s.

The scheduler RQ forks is ``workers.scheduler.ExchangeScheduler``: it dies with the worker and
holds none of its connections. Every worker runs a sweep ticker; the sweep itself runs once per
period in the deployment (``workers.sweeps``).
"""

from __future__ import annotations

import importlib
import logging
import threading

import click
from rq import SimpleWorker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT, DEFAULT_WORKER_TTL
from rq.serializers import JSONSerializer

from exchange.adapters.logs import configure_logging
from exchange.adapters.rq_jobs import JOB_TIMEOUT, QUEUES, connect
from exchange.collector import tune_for_serving
from exchange.config import Settings
from workers import dead_workers, housekeeping, recovery, sweeps
from workers.lane import MatchingLane
from workers.observability import JobContext
from workers.recovery import RidesOutRedis
from workers.runtime import configure
from workers.scheduler import ExchangeScheduler

log = logging.getLogger(__name__)
# Every module a job names (``exchange.handlers``, the sweep, delivery): imported once at start,
# so no job pays for an import (the first wave used to import the matching stack).
JOB_MODULES = ("workers.matching", "workers.asks", "workers.reminders", "workers.delivery",
               "workers.moderation", "workers.account_mail", "workers.housekeeping")
HEARTBEAT_GRACE = 10
MAINTENANCE_SECONDS = 15
# RQ's own for its worker connection: its BLPOP waits the worker TTL less 15 s; 10 s more.
WORKER_SOCKET_TIMEOUT = DEFAULT_WORKER_TTL - 15 + 10


class ExchangeWorker(RidesOutRedis, JobContext, SimpleWorker):
    """Runs jobs in-process (fast: no fork per job) with a short abandoned-job window, and
    waits Redis out when it goes away (``workers.recovery``)."""

    lanes: tuple[MatchingLane, ...] = ()
    _long_running = False

    def work(self, burst: bool = False, *args, **kwargs) -> bool:
        self._long_running = not burst  # a burst (a test, a cron run) ends soon: left as is
        return super().work(burst, *args, **kwargs)

    def _install_signal_handlers(self):
        """The last step before the work loop, after the scheduler's fork: the matching lanes'
        threads start here, so the fork never copies a running thread. A long-running worker
        tunes its garbage collector here too, as the web process does (``exchange.collector``):
        its full collections held waves up for up to 107 ms at 50 asks a second."""
        super()._install_signal_handlers()
        if self._long_running:
            tune_for_serving()
        for lane in self.lanes:
            if not lane.thread.is_alive():
                lane.start()

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        return int(job.timeout or JOB_TIMEOUT) + HEARTBEAT_GRACE

    def run_maintenance_tasks(self):
        """First take back what killed workers left (``workers.dead_workers``): their started
        jobs, their scheduler's lock, which RQ's maintenance then takes if it is free."""
        try:
            dead_workers.reclaim(self.connection)
        except recovery.REDIS_AWAY:
            pass  # RQ's maintenance below meets it too, and waits
        except Exception:  # noqa: BLE001 - maintenance goes on; the next one looks again
            log.exception("could not look for jobs of workers that are gone")
        return super().run_maintenance_tasks()

    def _start_scheduler(self, burst=False, logging_level="INFO",
                         date_format=DEFAULT_LOGGING_DATE_FORMAT,
                         log_format=DEFAULT_LOGGING_FORMAT):
        """RQ's own ``_start_scheduler``, building our scheduler instead of RQ's."""
        self.scheduler = ExchangeScheduler(
            self.queues, connection=self.connection, serializer=self.serializer,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format, log_format=log_format)
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if not burst:
            self.scheduler.start()
            return
        try:
            self.scheduler.register_birth()
            self.scheduler.enqueue_scheduled_jobs()
        finally:
            self.scheduler.release_locks()
            self.scheduler.register_death()


def preload() -> None:
    for name in JOB_MODULES:
        importlib.import_module(name)


def make_worker(rt, queues=QUEUES, name: str | None = None) -> ExchangeWorker:
    """The worker dequeues on a Redis client of its own, whose every connection waits longer
    than its blocking dequeue. Sharing the runtime's client (5 s, so a request or an enqueue
    never hangs on Redis) left the connection ``wait_for_redis`` had pinged in the pool with
    that 5 s: RQ raises the pool's timeout for connections made after, not for that one, so
    the dequeue's BLPOP timed out on it every 5 s ("could not connect to Redis instance:
    Timeout reading from socket") and a job pushed as it gave up could be popped by Redis and
    never read (``tests/workers/test_worker_connection.py``)."""
    connection = connect(rt.settings.redis_url, client_name=name,
                         socket_timeout=WORKER_SOCKET_TIMEOUT)
    return ExchangeWorker(list(queues), name=name, connection=connection,
                          serializer=JSONSerializer, maintenance_interval=MAINTENANCE_SECONDS,
                          job_monitoring_interval=5)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs that are due, then exit.")
@click.option("--queues", default=",".join(QUEUES), show_default=True,
              help="Comma-separated queues, highest priority first.")
@click.option("--no-scheduler", is_flag=True, help="Leave scheduling to another worker.")
@click.option("--matching-lane/--no-matching-lane", default=True, show_default=True,
              envvar="EXCHANGE_MATCHING_LANE",
              help="Also run matching jobs in a thread of their own (workers.lane), so a wave "
                   "never waits behind push, mail or housekeeping jobs.")
@click.option("--matching-lanes", type=click.IntRange(1, 16), default=2, show_default=True,
              envvar="EXCHANGE_MATCHING_LANES",
              help="How many such threads: waves wait on the database about half their time, "
                   "so a second lane overlaps them (a wave's claim row keeps each wave once).")
@click.option("--sweep-seconds", type=click.IntRange(min=1), default=sweeps.DEFAULT_SECONDS,
              show_default=True, envvar="EXCHANGE_SWEEP_SECONDS",
              help="The sweep's period (env EXCHANGE_SWEEP_SECONDS); one sweep per period "
                   "however many workers run. Give every worker the same value.")
def worker(burst: bool, queues: str, no_scheduler: bool, matching_lane: bool,
           matching_lanes: int, sweep_seconds: int) -> None:
    """Run the job worker (matching, reminders, expiry) with RQ's scheduler."""
    settings = Settings.from_env()
    if not settings.redis_url:
        raise click.ClickException("Set EXCHANGE_REDIS_URL (exchange serve runs its own worker "
                                   "when it runs the embedded Redis).")
    configure_logging(settings.log_format)
    # Its connections carry its name: Redis then knows at once when it is gone (dead_workers).
    name = dead_workers.name("worker")
    rt = configure(settings, redis=connect(settings.redis_url, client_name=name))
    preload()
    recovery.wait_for_redis(rt.jobs.connection)  # RQ's worker cannot even be built without it
    names = [q.strip() for q in queues.split(",") if q.strip()]
    housekeeping.reconcile()
    stop = threading.Event()
    if burst:
        recovery.on_redis_back(rt, rt.jobs.connection)  # rebuilds the schedule if forgotten
    else:
        recovery.quiet_rq_retries()
        sweeps.ticker(stop, rt.jobs, sweep_seconds)
        recovery.watch(stop, rt)  # at once, and each time Redis answers again
    main = make_worker(rt, names, name=name)
    if matching_lane and not burst and "matching" in names:
        main.lanes = tuple(MatchingLane(settings.redis_url,
                                        maintenance_interval=MAINTENANCE_SECONDS,
                                        job_monitoring_interval=5)
                           for _ in range(matching_lanes))
    try:
        main.work(burst=burst, with_scheduler=not no_scheduler)
    finally:
        stop.set()
        for lane in main.lanes:
            lane.stop()
