"""``exchange jobs``: how the job queues are doing, and a way to retry what failed.

    exchange jobs                  counts per queue, outbox events not yet sent, mail and push
                                   of the last day by outcome, lost jobs, the last sweep
    exchange jobs failed           failed jobs: id, queue, function, the error's last line
    exchange jobs requeue ID ...   put failed jobs back on their queue (or --all)

Registered on the ``exchange`` script through the ``exchange.commands`` entry point, like
``exchange worker``. With no EXCHANGE_REDIS_URL it finds the embedded server that
``exchange serve`` runs for the same instance folder.
"""

from __future__ import annotations

import json
from datetime import timedelta

import click
import redis
from sqlalchemy.exc import SQLAlchemyError

from exchange.adapters.embedded_redis import LOOPBACK, STATE_FILE
from exchange.adapters.rq_jobs import connect
from exchange.clock import utcnow
from exchange.config import Settings
from exchange.db import Database
from exchange.delivery import records
from exchange.outbox.service import pending_count
from workers import lost_jobs, registries, sweeps

COLUMNS = ("queued", "scheduled", "started", "failed")


def _redis_url(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    state = settings.instance_dir / "redis" / STATE_FILE
    try:
        running = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        running = {}
    if running.get("pid") and running.get("port"):
        return f"redis://{LOOPBACK}:{int(running['port'])}/0"
    raise click.ClickException("No Redis to look at: set EXCHANGE_REDIS_URL, or start "
                               "`exchange serve` (it runs the embedded one) first.")


def _connection(settings: Settings) -> redis.Redis:
    url = _redis_url(settings)
    connection = connect(url)
    try:
        connection.ping()
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis at {url} does not answer: {exc}") from None
    return connection


def _from_database(settings: Settings, read) -> str:
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            return read(session)
    except SQLAlchemyError as exc:
        return f"unknown (the database did not answer: {type(exc).__name__})"
    finally:
        db.dispose()


def _outbox_pending(session) -> str:
    return str(pending_count(session))


def _deliveries(session) -> str:
    """``email: 3 sent, 1 skipped (seen, switched off, no address) …`` over the last day."""
    found = records.summary(session, since=utcnow() - timedelta(days=1))
    words = {"sent": "sent", "skipped": "not needed", "claimed": "waiting to be sent",
             "failed": "failed"}
    return "; ".join(
        f"{channel}: " + (", ".join(f"{found[channel].get(s, 0)} {w}" for s, w in words.items()))
        for channel in ("email", "push"))


@click.group("jobs", invoke_without_command=True)
@click.pass_context
def jobs(ctx: click.Context) -> None:
    """The job queues: counts, failed jobs, requeueing (no subcommand: status)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(status)


@jobs.command()
def status() -> None:
    """Jobs per queue; outbox events not yet sent; lost jobs; the last sweep."""
    settings = Settings.from_env()
    connection = _connection(settings)
    rows = registries.counts(connection)
    width = max(len("queue"), *(len(row.name) for row in rows))
    click.echo("queue".ljust(width) + "".join(f"{c:>11}" for c in COLUMNS))
    for row in rows:
        click.echo(row.name.ljust(width) + "".join(f"{getattr(row, c):>11}" for c in COLUMNS))
    click.echo(f"outbox pending: {_from_database(settings, _outbox_pending)}")
    click.echo(f"mail and push, last 24 h: {_from_database(settings, _deliveries)}")
    lost = lost_jobs.counts(connection)
    click.echo(f"lost jobs: {lost.suspected} found by the last sweep, {lost.put_back} put back "
               "in all (queued, yet on no queue and not running)")
    click.echo(f"last sweep: {_last_sweep(connection)}")


def _last_sweep(connection: redis.Redis) -> str:
    run = sweeps.last(connection)
    if run is None:
        return "none recorded (each `exchange worker` takes its turn; is one running?)"
    ago = max(0, round(sweeps.redis_now(connection) - run.at))
    done = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in run.done.items())
    return f"{ago} s ago, on {run.worker}, one every {run.every} s ({done})"


@jobs.command("failed")
def failed_jobs() -> None:
    """Failed jobs (after their retries): id, queue, function and the error's last line."""
    found = registries.failed(_connection(Settings.from_env()))
    if not found:
        click.echo("No failed jobs.")
        return
    for job in found:
        click.echo(f"{job.id}  {job.queue}  {job.function}  {job.error}")


@jobs.command("requeue")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Requeue every failed job.")
def requeue(job_ids: tuple[str, ...], every: bool) -> None:
    """Put failed jobs back on their queue: JOB_ID ..., or --all."""
    if bool(job_ids) == every:
        raise click.UsageError("Give the ids of failed jobs, or --all (not both).")
    connection = _connection(Settings.from_env())
    if every:
        click.echo(f"Requeued {registries.requeue_all(connection)} failed job(s).")
        return
    missing = [job_id for job_id in job_ids if not registries.requeue(connection, job_id)]
    done = len(job_ids) - len(missing)
    click.echo(f"Requeued {done} failed job(s).")
    if missing:
        raise click.ClickException("No failed job with id " + ", ".join(missing)
                                   + " (see `exchange jobs failed`).")
