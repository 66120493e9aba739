"""A worker killed outright (SIGKILL, the OOM killer) takes no ask with it.

RQ forks its scheduler from the worker. Before the fix that child outlived a SIGKILL of its
parent holding the parent's Redis socket, whose BLPOP stayed registered: the next matching job
was handed to a dead consumer and never ran. These run real `exchange worker` processes on the
test's Redis database and wait on the event itself (an offer in the database, a process gone),
each with a deadline.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from exchange.offers.models import Offer
from tests.workers.processes import (
    blocked_in_blpop,
    children,
    end_group,
    eventually,
    running,
    start_worker,
    worker_env,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def workers(database_url, redis_url, tmp_path):
    """start() runs one more `exchange worker` (sweeping every second); all end with the test."""
    env = worker_env(database_url, redis_url, tmp_path, EXCHANGE_SWEEP_SECONDS="1")
    started = []

    def start():
        started.append(start_worker(env, tmp_path / "worker.log"))
        return started[-1]

    yield start
    for process in started:
        end_group(process)


def _log(tmp_path) -> str:
    return (tmp_path / "worker.log").read_text(errors="replace")


def _idle_with_its_scheduler(process, redis_url) -> list[int]:
    """Waits until the worker has forked its scheduler and blocks in BLPOP; the scheduler."""
    assert eventually(lambda: blocked_in_blpop(redis_url) == 1 and children(process.pid))
    return children(process.pid)


def _offered(make_uow, ask_id: int) -> bool:
    with make_uow() as uow:
        return uow.session.query(Offer).filter_by(ask_id=ask_id).count() > 0


def test_an_ask_posted_after_a_worker_was_killed_is_matched_by_the_next_worker(
        job_api, workers, redis_url, make_uow, tmp_path):
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    killed = workers()
    _idle_with_its_scheduler(killed, redis_url)

    os.kill(killed.pid, signal.SIGKILL)  # the worker only, not its process group
    killed.wait()
    ask = job_api.ask(asker, tags=["python"])
    workers()

    assert eventually(lambda: _offered(make_uow, ask["id"])), _log(tmp_path)


def test_the_scheduler_exits_when_its_worker_is_killed(workers, redis_url, tmp_path):
    killed = workers()
    [scheduler] = _idle_with_its_scheduler(killed, redis_url)

    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()

    assert eventually(lambda: not running(scheduler)), _log(tmp_path)


def test_the_scheduler_holds_none_of_its_workers_sockets(workers, redis_url, tmp_path):
    worker = workers()
    [scheduler] = _idle_with_its_scheduler(worker, redis_url)

    # The fork copies every descriptor; the scheduler must let go of the worker's (Redis, the
    # database) and keep only the connections it opens itself.
    assert eventually(lambda: not _sockets(scheduler) & _sockets(worker.pid)), _log(tmp_path)
    assert _sockets(scheduler)  # its own Redis connection


def _sockets(pid: int) -> set[str]:
    """The sockets a process holds, as kernel inodes ("socket:[123]")."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found
