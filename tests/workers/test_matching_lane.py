"""The matching lane (``workers.lane``): a wave never waits behind the worker's other jobs.

A real ``exchange worker`` is kept busy by a housekeeping job that holds until the test lets it
go; an ask posted meanwhile must still be offered — by the lane — before that job ends. And the
lane stops without taking a job with it: a stop while it waits for work leaves the next job on
the queue for another worker.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from exchange.offers.models import Offer
from tests.workers.processes import end_group, eventually, start_worker, worker_env
from workers.lane import QUEUE, MatchingLane

ROOT = Path(__file__).resolve().parents[2]


def _offered(make_uow, ask_id: int) -> bool:
    with make_uow() as uow:
        return uow.session.query(Offer).filter_by(ask_id=ask_id).count() > 0


@pytest.mark.slow
def test_an_ask_is_matched_while_the_worker_is_busy_with_another_job(
        job_api, rt, database_url, redis_url, make_uow, tmp_path):
    env = worker_env(database_url, redis_url, tmp_path,
                     PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT),
                                                              os.environ.get("PYTHONPATH")])))
    log = tmp_path / "worker.log"
    process = start_worker(env, log)
    key = "test:hold"
    connection = rt.jobs.connection
    try:
        rt.jobs.enqueue("tests.workers.holding.hold", key, job_id="hold-1",
                        queue="housekeeping")
        assert eventually(lambda: connection.llen(f"{key}:started") == 1), log.read_text()
        asker = job_api.member("asker")
        job_api.member("helper", skills=["python"])
        ask = job_api.ask(asker, tags=["python"])
        assert eventually(lambda: _offered(make_uow, ask["id"])), log.read_text()
        hold = Job.fetch("hold-1", connection=connection, serializer=JSONSerializer)
        assert hold.get_status() == JobStatus.STARTED  # the main worker is still busy
        connection.rpush(key, "go")
        assert eventually(lambda: hold.get_status() == JobStatus.FINISHED), log.read_text()
    finally:
        connection.rpush(key, "go")
        end_group(process)


def _waiting(lane: MatchingLane) -> bool:
    return bool(lane._blocked())


def test_a_stopped_lane_leaves_the_next_job_on_the_queue(rt, redis_url):
    lane = MatchingLane(redis_url, maintenance_interval=15, job_monitoring_interval=5).start()
    try:
        assert eventually(lambda: _waiting(lane), seconds=20)
    finally:
        lane.stop(timeout=20)
    assert not lane.thread.is_alive()
    rt.jobs.enqueue("workers.matching.match_ask", 1, 0, 1, job_id="match-1-0-1")
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.lrange(f"rq:queue:{QUEUE}", 0, -1) == [b"match-1-0-1"]
    finally:
        client.close()
