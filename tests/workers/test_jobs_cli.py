"""`exchange jobs`: queue counts with the outbox, failed jobs with their error, requeueing."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest
import redis
from click.testing import CliRunner
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from exchange.adapters.rq_jobs import RQJobQueue
from exchange.events import AskPosted
from exchange.outbox import service as outbox_service
from tests.workers.redis_server import RedisServer, free_port
from workers import lost_jobs, sweeps
from workers.jobs_cli import jobs


@pytest.fixture
def connection(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def env(database_url, redis_url, tmp_path):
    return {"EXCHANGE_ENV": "test", "EXCHANGE_DATABASE_URL": database_url,
            "EXCHANGE_REDIS_URL": redis_url, "EXCHANGE_INSTANCE_DIR": str(tmp_path / "instance")}


@pytest.fixture
def run(env, db):
    def invoke(*args, **extra_env):
        return CliRunner().invoke(jobs, list(args), env={**env, **extra_env})
    return invoke


def _queue(connection, name: str) -> Queue:
    return Queue(name, connection=connection, serializer=JSONSerializer)


def _fail(connection, queue: str, *job_ids: str) -> None:
    """Jobs that fail for good (no retries left): 1 / 0."""
    q = _queue(connection, queue)
    for job_id in job_ids:
        q.enqueue("operator.truediv", 1, 0, job_id=job_id)
    SimpleWorker([q], connection=connection, serializer=JSONSerializer).work(burst=True)


def _table(output: str) -> dict[str, list[int]]:
    rows = [line.split() for line in output.splitlines()[1:] if line.split()[-1].isdigit()]
    return {row[0]: [int(n) for n in row[1:]] for row in rows if row[0] != "outbox"}


def test_status_counts_queued_scheduled_and_failed_jobs_per_queue(run, connection):
    _queue(connection, "matching").enqueue("operator.add", 1, 2, job_id="waiting-1")
    _queue(connection, "reminders").enqueue_at(datetime.now(UTC) + timedelta(hours=1),
                                               "operator.add", 1, 2, job_id="later-1")
    _fail(connection, "housekeeping", "boom-1")

    result = run("status")

    assert result.exit_code == 0, result.output
    assert _table(result.output) == {"matching": [1, 0, 0, 0], "push": [0, 0, 0, 0],
                                     "mail": [0, 0, 0, 0], "reminders": [0, 1, 0, 0],
                                     "housekeeping": [0, 0, 0, 1]}


def test_status_counts_outbox_events_not_yet_sent(run, make_uow):
    with make_uow() as uow:  # written, never dispatched: Redis was away at the time
        outbox_service.record(uow.session, AskPosted(ask_id=1))
        outbox_service.record(uow.session, AskPosted(ask_id=2))
        uow.session.commit()

    result = run("status")

    assert "outbox pending: 2" in result.output


def test_status_counts_the_last_days_mail_and_push_by_outcome(run, make_uow):
    from exchange.delivery import records
    with make_uow() as uow:
        for n, status in enumerate(("sent", "sent", "skipped", "claimed")):
            records.record(uow.session, key=f"n{n}-email", channel="email", member_id=None,
                           status=status)
        records.record(uow.session, key="n9-push", channel="push", member_id=None,
                       status="failed")
        uow.session.commit()

    result = run("status")

    assert ("mail and push, last 24 h: email: 2 sent, 1 not needed, 1 waiting to be sent, "
            "0 failed; push: 0 sent, 0 not needed, 0 waiting to be sent, 1 failed") \
        in result.output


def test_status_counts_the_lost_jobs_the_last_sweep_found(run, connection):
    jobs = RQJobQueue(connection)
    jobs.enqueue("operator.add", 1, 2, job_id="add-1", queue="matching")
    connection.lrem("rq:queue:matching", 1, "add-1")  # popped by a consumer that is gone
    lost_jobs.recover(connection)

    result = run("status")

    assert "lost jobs: 1 found by the last sweep, 0 put back in all" in result.output
    assert _table(result.output)["matching"] == [0, 0, 0, 0]  # what RQ alone would say


def test_status_shows_the_last_sweep_and_what_it_did(run, connection):
    sweeps.record(connection, period=1, every=60, done={"relayed": 2, "expired": 1})

    result = run("status")

    [line] = [li for li in result.output.splitlines() if li.startswith("last sweep:")]
    assert line.endswith("one every 60 s (relayed 2, expired 1)")
    assert f":{os.getpid()}" in line


def test_status_says_when_no_sweep_was_recorded(run):
    assert "last sweep: none recorded" in run("status").output


def test_jobs_without_a_subcommand_shows_the_status(run, connection):
    _queue(connection, "matching").enqueue("operator.add", 1, 2, job_id="waiting-1")

    result = run()

    assert result.exit_code == 0, result.output
    assert result.output == run("status").output


def test_failed_lists_each_job_with_its_function_and_the_errors_last_line(run, connection):
    _fail(connection, "matching", "boom-1")

    result = run("failed")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "boom-1  matching  operator.truediv  ZeroDivisionError: division by zero"]


def test_failed_says_so_when_nothing_failed(run):
    assert run("failed").output == "No failed jobs.\n"


def test_requeue_puts_a_failed_job_back_on_its_queue(run, connection):
    _fail(connection, "matching", "boom-1", "boom-2")

    result = run("requeue", "boom-1")

    assert result.exit_code == 0, result.output
    assert _queue(connection, "matching").job_ids == ["boom-1"]
    assert _queue(connection, "matching").failed_job_registry.get_job_ids() == ["boom-2"]


def test_requeue_all_puts_back_every_failed_job(run, connection):
    _fail(connection, "matching", "boom-1")
    _fail(connection, "reminders", "boom-2")

    result = run("requeue", "--all")

    assert "Requeued 2 failed job(s)." in result.output
    assert _queue(connection, "matching").job_ids == ["boom-1"]
    assert _queue(connection, "reminders").job_ids == ["boom-2"]


def test_requeueing_an_id_that_has_not_failed_says_where_to_look(run, connection):
    _queue(connection, "matching").enqueue("operator.add", 1, 2, job_id="fine-1")

    result = run("requeue", "fine-1")

    assert result.exit_code == 1
    assert "No failed job with id fine-1" in result.output
    assert _queue(connection, "matching").job_ids == ["fine-1"]


def test_requeue_wants_ids_or_all(run):
    assert run("requeue").exit_code == 2


def test_a_redis_that_does_not_answer_is_named_in_the_error(run):
    url = f"redis://127.0.0.1:{free_port()}/0"

    result = run("status", EXCHANGE_REDIS_URL=url)

    assert result.exit_code == 1
    assert f"Redis at {url} does not answer" in result.output


def test_without_a_redis_url_it_finds_the_embedded_server_of_the_instance(run, env, tmp_path):
    with RedisServer() as server:
        state = tmp_path / "instance" / "redis" / "embedded-redis.json"
        state.parent.mkdir(parents=True)
        state.write_text(json.dumps({"pid": server.process.pid, "port": server.port,
                                     "owner": server.process.pid}))
        _fail(redis.Redis.from_url(server.url), "matching", "boom-1")

        result = run("failed", EXCHANGE_REDIS_URL=None)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("boom-1  matching")


def test_the_exchange_script_offers_the_jobs_command():
    from web.cli import cli

    result = CliRunner().invoke(cli, ["--help"])

    assert "jobs" in result.output.split()
