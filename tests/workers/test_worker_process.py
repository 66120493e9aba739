"""`exchange worker` as operators run it: a separate process, its own settings from the
environment, the same database and Redis as the web app; SIGTERM stops it cleanly."""

from __future__ import annotations

import signal

import pytest

from exchange.notifications.models import Notification
from tests.workers.processes import (
    WAIT_SECONDS,
    children,
    end_group,
    eventually,
    running,
    start_worker,
    worker_env,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def worker_process(database_url, redis_url, tmp_path):
    process = start_worker(worker_env(database_url, redis_url, tmp_path),
                           tmp_path / "worker.log")
    try:
        yield process
    finally:
        end_group(process)


def _offered(make_uow, member_id: int) -> bool:
    with make_uow() as uow:
        return uow.session.query(Notification).filter_by(
            member_id=member_id, kind="ask.offered").count() > 0


def _log(tmp_path) -> str:
    return (tmp_path / "worker.log").read_text(errors="replace")


def test_a_worker_process_offers_a_posted_ask_to_the_helper(job_api, worker_process,
                                                            make_uow, tmp_path):
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["python"])
    job_api.ask(asker, tags=["python"])

    assert eventually(lambda: _offered(make_uow, helper["id"])), _log(tmp_path)


def test_sigterm_stops_the_worker_process_and_its_scheduler(job_api, worker_process, make_uow,
                                                            tmp_path):
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["python"])
    job_api.ask(asker, tags=["python"])
    assert eventually(lambda: _offered(make_uow, helper["id"])), _log(tmp_path)
    scheduler = children(worker_process.pid)  # RQ forks it from the worker

    worker_process.send_signal(signal.SIGTERM)

    assert worker_process.wait(timeout=WAIT_SECONDS) == 0
    assert len(scheduler) == 1
    assert eventually(lambda: not running(scheduler[0]))
