"""RQ's scheduler, made to die with its worker and to let go of the worker's connections.

``Worker.work(with_scheduler=True)`` forks the scheduler from the worker. A fork copies every
descriptor, so the child held the worker's Redis socket — the one blocked in BLPOP — and
RQ's scheduler outlives a SIGKILL of its parent. Redis then kept the dead worker's BLPOP
registered and handed it the next job, which nobody read: a lost ask. So the child, first
thing: asks Linux to SIGTERM it when the worker dies (``PR_SET_PDEATHSIG``; RQ's own handler
then stops it cleanly and releases its locks), checks the worker is still its parent (it may
have died before that took effect), and points every inherited socket at /dev/null — ``dup2``
rather than ``close``, so a later close of the parent's Python socket object closes /dev/null,
never a descriptor the child has since reused. The child opens its own Redis connection after
that. Each scheduling round also checks the parent, for platforms without ``prctl``.

Redis going away does not end it either (RQ's scheduler died on the first error, and came back
only at the worker's next maintenance, when its lock allowed): a round that meets Redis away is
skipped, and the next heartbeat re-acquires the locks a Redis back empty has lost.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import stat
import sys

import redis
from rq.scheduler import RQScheduler

from workers import dead_workers

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1
REDIS_AWAY = (redis.ConnectionError, redis.TimeoutError)


class ExchangeScheduler(RQScheduler):
    _parent_pid = 0

    def __init__(self, *args, **kwargs):
        """Named, and its connections with it, so a scheduler killed with its lock is seen
        gone at once and the lock released (``workers.dead_workers``)."""
        kwargs.setdefault("name", dead_workers.name("scheduler"))
        super().__init__(*args, **kwargs)
        self._pool_kwargs = {**self._pool_kwargs, "client_name": self.name}

    def start(self):
        self._parent_pid = os.getpid()  # the worker; read again in the forked child
        return super().start()

    def work(self):
        die_with_parent()
        release_inherited_sockets()
        if os.getppid() != self._parent_pid:
            log.info("Scheduler: the worker %d is gone; not starting", self._parent_pid)
            return
        super().work()

    def heartbeat(self):
        if self._parent_pid and os.getppid() != self._parent_pid:
            self.request_stop()
        try:
            super().heartbeat()
        except REDIS_AWAY:
            pass  # the worker waits for Redis; this round is skipped

    def enqueue_scheduled_jobs(self):
        try:
            super().enqueue_scheduled_jobs()
        except REDIS_AWAY:
            pass  # due jobs stay in the registry for the next round


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Linux: deliver ``sig`` to this process when its parent dies. False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        log.warning("prctl(PR_SET_PDEATHSIG) failed: %s", os.strerror(ctypes.get_errno()))
        return False
    return True


def release_inherited_sockets() -> int:
    """Point every socket descriptor above stderr at /dev/null; returns how many."""
    devnull = os.open(os.devnull, os.O_RDWR)
    released = 0
    try:
        for fd in _open_descriptors():
            if fd > 2 and fd != devnull and _is_socket(fd):
                os.dup2(devnull, fd)
                released += 1
    finally:
        os.close(devnull)
    return released


def _open_descriptors() -> list[int]:
    try:
        return sorted(int(name) for name in os.listdir("/proc/self/fd"))
    except OSError:  # no /proc: try every possible descriptor
        return list(range(3, min(os.sysconf("SC_OPEN_MAX"), 65536)))


def _is_socket(fd: int) -> bool:
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:  # not open (the listing's own descriptor, or a gap in the range)
        return False
