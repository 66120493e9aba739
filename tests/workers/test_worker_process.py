"""`exchange worker` as operators run it: a separate process, its own settings from the
environment, the same database and Redis as the web app; SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exchange.notifications.models import Notification

pytestmark = pytest.mark.slow

WAIT_SECONDS = 20


def _exchange_script() -> str:
    return str(Path(sys.executable).with_name("exchange"))


@pytest.fixture
def worker_process(database_url, redis_url, tmp_path):
    env = {**os.environ, "EXCHANGE_ENV": "test", "EXCHANGE_DATABASE_URL": database_url,
           "EXCHANGE_REDIS_URL": redis_url, "EXCHANGE_WAVE_SECONDS": "1",
           "EXCHANGE_WAVE_SIZE": "2", "EXCHANGE_MAX_WAVES": "2", "EXCHANGE_RATE_LIMITS": "off",
           "EXCHANGE_INSTANCE_DIR": str(tmp_path / "instance")}
    # A session of its own: RQ forks its scheduler from the worker, and a worker killed
    # outright leaves that scheduler running; ending the group ends both.
    with open(tmp_path / "worker.log", "wb") as log:
        process = subprocess.Popen([_exchange_script(), "worker"], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        _end_group(process)


def _end_group(process: subprocess.Popen) -> None:
    """SIGTERM to the worker and its scheduler; SIGKILL to whatever outlives the wait."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            pass


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _offered(make_uow, member_id: int) -> bool:
    with make_uow() as uow:
        return uow.session.query(Notification).filter_by(
            member_id=member_id, kind="ask.offered").count() > 0


def _log(tmp_path) -> str:
    return (tmp_path / "worker.log").read_text(errors="replace")


def _eventually(check) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_worker_process_offers_a_posted_ask_to_the_helper(job_api, worker_process,
                                                            make_uow, tmp_path):
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["python"])
    job_api.ask(asker, tags=["python"])

    assert _eventually(lambda: _offered(make_uow, helper["id"])), _log(tmp_path)


def test_sigterm_stops_the_worker_process_and_its_scheduler(job_api, worker_process, make_uow,
                                                            tmp_path):
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["python"])
    job_api.ask(asker, tags=["python"])
    assert _eventually(lambda: _offered(make_uow, helper["id"])), _log(tmp_path)
    scheduler = _children(worker_process.pid)  # RQ forks it from the worker

    worker_process.send_signal(signal.SIGTERM)

    assert worker_process.wait(timeout=WAIT_SECONDS) == 0
    assert len(scheduler) == 1
    assert _eventually(lambda: not _running(scheduler[0]))
