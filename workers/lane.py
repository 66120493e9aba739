"""The matching lane: a second RQ worker, in a thread of ``exchange worker``, for matching only.

A wave waited behind whatever the worker was running: push and mail jobs, the sweep, RQ's
registry maintenance. Jobs are not pre-empted, so queue → job grew with the worker's other
work (the latency bench: 9 ms p50, 1.4 s p99). The lane BLPOPs the ``matching`` queue alone
and runs its jobs in-process (no fork, the job module imported once), so a wave starts as
soon as Redis hands the job over, whatever the main worker is busy with. The main worker still
listens on ``matching`` too (first in its order): whichever is idle first takes the job.

It is an ordinary RQ worker with its own name and heartbeat, so RQ's guarantees hold as for
any worker: a job it runs is in the started registry, and a process killed outright leaves it
to abandoned-job recovery (``workers.cli``) and the lost-jobs sweep. What differs, for a
thread: no signal handlers (the main worker's stop is passed on by ``stop``), a timer instead
of SIGALRM for the job timeout, and no registry maintenance of its own (the main worker cleans
every queue's registries, ``matching`` included) so cleaning never runs between two waves.

``stop`` ends it without losing a job: a job it is running is finished first; one it is
blocked waiting for is refused (``CLIENT UNBLOCK … ERROR`` ends the BLPOP without popping).
"""

from __future__ import annotations

import logging
import sys
import threading

from redis.exceptions import ResponseError
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.serializers import JSONSerializer
from rq.timeouts import TimerDeathPenalty
from rq.utils import now

from exchange.adapters.rq_jobs import JOB_TIMEOUT, connect
from workers import dead_workers
from workers.observability import JobContext
from workers.recovery import RidesOutRedis

log = logging.getLogger(__name__)
QUEUE = "matching"
HEARTBEAT_GRACE = 10
# The GIL hands over to a waiting thread after this long (CPython's default is 5 ms): a wave
# that becomes runnable while the main worker computes waits at most this for its turn.
SWITCH_INTERVAL = 0.001
BLOCKING = ("blpop", "blmove", "brpoplpush")  # RQ waits on one queue with BLMOVE


class LaneWorker(RidesOutRedis, JobContext, SimpleWorker):
    death_penalty_class = TimerDeathPenalty

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        return int(job.timeout or JOB_TIMEOUT) + HEARTBEAT_GRACE

    def _install_signal_handlers(self):
        """Signals reach the main thread only; ``MatchingLane.stop`` passes a stop on."""

    def run_maintenance_tasks(self):
        self.last_cleaned_at = now()  # the main worker cleans every queue's registries

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        if self._stop_requested:
            raise StopRequested()
        try:
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        except ResponseError as exc:
            if "UNBLOCKED" in str(exc) and self._stop_requested:
                raise StopRequested() from None
            raise


class MatchingLane:
    def __init__(self, redis_url: str, *, maintenance_interval: int, job_monitoring_interval: int):
        self.client_name = dead_workers.name("lane")  # the worker's name too
        self.connection = connect(redis_url, client_name=self.client_name)
        self.worker = LaneWorker([QUEUE], name=self.client_name, connection=self.connection,
                                 serializer=JSONSerializer,
                                 maintenance_interval=maintenance_interval,
                                 job_monitoring_interval=job_monitoring_interval)
        self.thread = threading.Thread(target=self._run, name="exchange-matching-lane",
                                       daemon=True)

    def start(self) -> MatchingLane:
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            self.worker.work(burst=False, with_scheduler=False)
        except Exception:  # noqa: BLE001 - the main worker goes on; matching still reaches it
            log.exception("the matching lane stopped")

    def stop(self, timeout: float = JOB_TIMEOUT + 5) -> None:
        """Finish a running job, refuse a waiting one, and wait for the thread."""
        self.worker._stop_requested = True
        for client in self._blocked():
            try:
                self.connection.execute_command("CLIENT", "UNBLOCK", client, "ERROR")
            except Exception:  # noqa: BLE001 - gone already
                pass
        self.thread.join(timeout)
        self.connection.close()

    def _blocked(self) -> list[str]:
        try:
            return [str(c["id"]) for c in self.connection.client_list()
                    if c.get("name") == self.client_name and c.get("cmd") in BLOCKING]
        except Exception:  # noqa: BLE001 - Redis away: the thread is a daemon
            return []
