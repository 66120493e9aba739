"""``exchange bench [SCENARIO]...`` — the benchmark suite.

Registered on the ``exchange`` script through the ``exchange.commands`` entry point (web/
never imports benchmarks/). Runs against the configured database (``EXCHANGE_DATABASE_URL``)
and real Redis (``EXCHANGE_REDIS_URL``; unset, a throwaway embedded server), and prints one
table for whatever ran (``benchmarks.table``). Progress goes to standard error, the table to
standard output.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import traceback
from pathlib import Path

import click
from click.core import ParameterSource
from sqlalchemy.engine import make_url

from benchmarks.table import Report, Row, self_peak_mb, throughput
from exchange.config import ConfigError, Settings

SCENARIOS = ("latency", "race", "matching", "api", "connections", "sustained", "scaleout")
# matching first: with --reset it empties the db. sustained and scaleout (the slow ones) run
# only when named.
ORDER = ("matching", "latency", "race", "api", "connections", "sustained", "scaleout")
BY_DEFAULT = ("matching", "latency", "race", "api", "connections")
NEEDS_REDIS = {"latency", "race", "api", "connections", "sustained", "scaleout"}
DEFAULTS = {"latency": {"helpers": 200, "asks": 50}, "race": {"helpers": 10, "asks": 20},
            "matching": {"asks": 50}, "connections": {"connections": 5000},
            "sustained": {"helpers": 1000, "rate": 50.0, "seconds": 30.0},
            "scaleout": {"helpers": 200, "rate": 20.0, "seconds": 10.0}}
# --quick: every scenario small enough that the whole run stays well under two minutes on
# two cores (.ci/run reports it; the figures are indicative, not the targets' measurements).
QUICK = {"latency": {"helpers": 50, "asks": 20}, "race": {"helpers": 10, "asks": 5},
         "matching": {"asks": 20, "sizes": "1000"}, "api": {"requests": 200, "threads": 8},
         "connections": {"connections": 500},
         "sustained": {"helpers": 100, "rate": 20.0, "seconds": 5.0},
         "scaleout": {"helpers": 50, "rate": 10.0, "seconds": 5.0}}

FOOTNOTES = (
    "p50/p99: nearest-rank percentiles of one operation's time; ratio: p50 over the p50 of the "
    "scenario's baseline row, measured in the same run.",
    "throughput: operations per second. Rows run one at a time (latency, matching, the "
    "latency, race and matching baselines): count over summed time; race: accept requests "
    "answered per second of racing; api rows and their baseline: requests per second of wall "
    "time, all threads together.",
    "peak MB: c = the largest ru_maxrss of the scenario's own `exchange serve` and `exchange "
    "worker` child processes (each reaped with wait4: its RUSAGE_CHILDREN share); s = this "
    "bench process, getrusage(RUSAGE_SELF).ru_maxrss, a high-water mark for the whole run so "
    "far; - = not measured.",
)


def _sizes(raw: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        raise click.BadParameter("give member counts separated by commas, e.g. 1000,10000",
                                 param_hint="--sizes") from None
    if not sizes or sizes[0] < 1:
        raise click.BadParameter("member counts must be at least 1", param_hint="--sizes")
    return sizes


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@click.command("bench")
@click.argument("scenarios", nargs=-1, type=click.Choice(SCENARIOS), metavar="[SCENARIO]...")
@click.option("--helpers", type=click.IntRange(1), default=None,
              help="latency: connected helpers (default 200); race: helpers racing for each "
                   "ask (default 10).")
@click.option("--asks", type=click.IntRange(1), default=None,
              help="latency: asks posted (default 50); race: races run (default 20); "
                   "matching: asks per size (default 50).")
@click.option("--sizes", default="1000,10000", show_default=True,
              help="matching: member counts, comma-separated, each on a fresh schema. "
                   "100000 works too but takes minutes.")
@click.option("--requests", "requests_", type=click.IntRange(1), default=400,
              show_default=True, help="api: requests per phase (reads, writes, baseline); "
                                      "connections: reads per phase.")
@click.option("--threads", type=click.IntRange(1), default=8, show_default=True,
              help="api: client threads.")
@click.option("--rate", type=click.FloatRange(min=0.1), default=None,
              help="sustained, scaleout: asks posted per second, open loop (default 50, 20).")
@click.option("--seconds", type=click.FloatRange(min=0.1), default=None,
              help="sustained, scaleout: seconds of posting (default 30, 10).")
@click.option("--reset/--no-reset", default=False,
              help="matching: run on EXCHANGE_DATABASE_URL, dropping EVERY table of it first "
                   "(a scratch database only).")
@click.option("--scratch", is_flag=True,
              help="matching: run on a throwaway SQLite file instead of EXCHANGE_DATABASE_URL.")
@click.option("--plans", is_flag=True, help="matching: also print the pool query's plans.")
@click.option("--quick", is_flag=True,
              help="Small sizes for every scenario (under two minutes; what .ci/run reports). "
                   "Sizes given explicitly still win.")
@click.option("--connections", type=click.IntRange(1), default=None,
              help="connections: sockets held open (default 5000; --quick 500).")
@click.option("--server", type=click.Choice(("serve", "production")), default=None,
              help="latency, api, sustained, scaleout: the web process they start: `exchange "
                   "serve` (the default) or docker-compose.yml's gunicorn command. connections "
                   "runs the production command unless --server serve is given.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, writable=True),
              default=None, help="Also write the results as JSON to this file.")
def bench(scenarios: tuple[str, ...], helpers: int | None, asks: int | None, sizes: str,
          requests_: int, threads: int, rate: float | None, seconds: float | None,
          reset: bool, scratch: bool, plans: bool, quick: bool,
          connections: int | None, server: str | None, json_path: str | None) -> None:
    """Run the benchmark suite and print one table: scenario, size, p50, p99, throughput,
    peak memory, and the ratio to a baseline measured in the same run.

    \b
    SCENARIO (several may be given; none runs the first five):
      latency   POST /asks -> first ask.offered at N connected python-socketio
                helpers (baseline: Redis PUBLISH -> subscriber)
      race      N helpers accept one open ask at once; exactly one 200, the
                rest 409 (baseline: one uncontended accept)
      matching  candidate pool query and first wave versus member count
                (baseline: a primary-key lookup on the same database)
      api       GET /asks?for_me=true reads (alone, and while 2 threads write) and
                POST /asks + cancel writes from K threads
                (baseline: GET /healthz)
      connections N sockets held against docker-compose.yml's web command:
                connected count, RSS per socket, and GET /asks?for_me=true
                from 8 threads while they are connected, a push to all
                (baseline: the same reads with no socket connected)
      sustained R asks/s open loop for T s at N helpers connected from a light
                client process: post -> first offer, and how long the queues take
                to empty after the last post (baseline: Redis PUBLISH)
      scaleout  the same, 2 web processes + 2 workers on one Redis against
                1 + 1 in the same run (baseline: 1 + 1)

    It runs against EXCHANGE_DATABASE_URL and EXCHANGE_REDIS_URL (unset: a throwaway
    embedded Redis-compatible server). latency, race and api start their own `exchange serve`
    and `exchange worker` (rate limits off, a push channel of their own) and add bench members
    and asks to the database: point it at a scratch database. Refused with EXCHANGE_ENV=production.

    matching seeds a fresh schema per size, dropping every table of the database it runs on:
    by default (and with --scratch) a throwaway SQLite file; with --reset, EXCHANGE_DATABASE_URL
    itself (a scratch database only).
    """
    # The bench signs nothing: a placeholder key keeps development from writing one to disk.
    env = {**os.environ, "EXCHANGE_SECRET_KEY": os.environ.get("EXCHANGE_SECRET_KEY") or "-"}
    try:
        settings = Settings.from_env(env)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if settings.is_production:
        raise click.ClickException("exchange bench adds members and load to the database it "
                                   "measures; it refuses to run with EXCHANGE_ENV=production.")
    chosen = [name for name in ORDER if name in scenarios] if scenarios else list(BY_DEFAULT)
    defaults = DEFAULTS
    if quick:
        source = click.get_current_context().get_parameter_source
        if source("sizes") is ParameterSource.DEFAULT:
            sizes = QUICK["matching"]["sizes"]
        if source("requests_") is ParameterSource.DEFAULT:
            requests_ = QUICK["api"]["requests"]
        defaults = {name: {**DEFAULTS[name], **QUICK[name]} for name in DEFAULTS}
    member_counts = _sizes(sizes) if "matching" in chosen else []
    if "matching" in chosen and reset and scratch:
        raise click.UsageError("--reset and --scratch both choose matching's database; "
                               "give one.")
    if "matching" in chosen and not (reset or scratch):
        # Never drop the configured database's tables by surprise: a throwaway file instead.
        scratch = True
        click.echo(f"matching: on a throwaway SQLite file; --reset measures "
                   f"{_shown(settings.database_url)} instead (dropping its tables).", err=True)

    url = settings.database_url
    _ensure_sqlite_folder(url)
    report = Report()
    failed: list[str] = []
    redis_url, embedded = settings.redis_url, None
    click.echo(f"exchange bench: {', '.join(chosen)} on {_shown(url)}", err=True)
    try:
        if NEEDS_REDIS & set(chosen) and not redis_url:
            embedded, redis_url = _start_embedded_redis()
        click.echo(f"redis: {_shown(redis_url) if redis_url else '(not needed)'}"
                   f"{' (embedded, throwaway)' if embedded else ''}", err=True)
        for name in chosen:
            click.echo(f"running {name} ...", err=True)
            try:
                if name == "matching":
                    _matching(report, url, member_counts, asks or defaults["matching"]["asks"],
                              scratch=scratch, plans=plans)
                elif name == "latency":
                    _latency(report, url, redis_url, helpers or defaults["latency"]["helpers"],
                             asks or defaults["latency"]["asks"], server or "serve")
                elif name == "race":
                    _race(report, url, redis_url, helpers or defaults["race"]["helpers"],
                          asks or defaults["race"]["asks"])
                elif name == "connections":
                    _connections(report, url, redis_url,
                                 connections or defaults["connections"]["connections"],
                                 requests_, server or "production")
                elif name in ("sustained", "scaleout"):
                    _open_loop(report, name, url, redis_url, {
                        "helpers": helpers or defaults[name]["helpers"],
                        "rate": rate or defaults[name]["rate"],
                        "seconds": seconds or defaults[name]["seconds"],
                        "server": server or "serve"})
                else:
                    _api(report, url, redis_url, threads, requests_, server or "serve")
            except Exception as exc:  # noqa: BLE001 - one scenario failing leaves the others
                failed.append(name)
                report.notes.append(f"{name}: FAILED: {type(exc).__name__}: {exc}")
                click.echo(traceback.format_exc(), err=True)
    finally:
        if embedded is not None:
            embedded.stop()
            shutil.rmtree(embedded.data_dir.parent, ignore_errors=True)
    report.notes.extend(FOOTNOTES)
    click.echo(report.render())
    if json_path:
        Path(json_path).write_text(json.dumps(report.as_json(), indent=2))
    if failed:
        raise click.ClickException(f"{', '.join(failed)} did not finish (see above).")


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _start_embedded_redis():
    """No EXCHANGE_REDIS_URL: an embedded server as ``exchange serve`` runs one, but in a
    folder of its own (so the bench never shares queues with a running exchange), removed at
    the end."""
    from exchange.adapters.embedded_redis import EmbeddedRedis
    server = EmbeddedRedis(Path(tempfile.mkdtemp(prefix="exchange-bench-redis-")))
    return server, server.start()


def _matching(report: Report, url: str, sizes: list[int], asks: int, *, scratch: bool,
              plans: bool) -> None:
    from benchmarks import matching
    folder = Path(tempfile.mkdtemp(prefix="exchange-bench-matching-")) if scratch else None
    target = f"sqlite:///{folder / 'matching.db'}" if folder else url
    out = click.echo if plans else (lambda _text: None)
    base: Row | None = None
    rows: list[Row] = []
    try:
        for size in sizes:
            click.echo(f"  matching: {size} members on {_shown(target)} (tables dropped first)",
                       err=True)
            result = matching.run(target, members=size, asks=asks, reset=True, out=out)
            if base is None:
                base = Row("matching baseline: pk lookup", f"{size} members",
                           result.baseline_ms, _sequential(result.baseline_ms))
            peak = self_peak_mb()
            rows += [Row("matching: pool query", f"{size} members", result.pool_ms,
                         _sequential(result.pool_ms), peak, "s", base),
                     Row("matching: first wave", f"{size} members", result.wave_ms,
                         _sequential(result.wave_ms), peak, "s", base)]
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    report.rows += [*rows, base] if base else rows
    where = "a throwaway SQLite file (--scratch)" if scratch else f"{_shown(url)} (--reset)"
    report.notes.append(f"matching: {asks} asks per size on {where}; pool = the candidate "
                        "query alone, first wave = pool, ranking, offers, notifications, commit.")


def _latency(report: Report, url: str, redis_url: str, helpers: int, asks: int,
             server: str) -> None:
    from benchmarks import latency
    result = latency.run(url, redis_url, helpers=helpers, asks=asks, server=server)
    lat, floor = result["latency_ms"], result["baseline_ms"]
    emit = _emit_floor(redis_url, "latency")
    base = Row("latency baseline: redis publish", "1 subscriber", floor, _sequential(floor))
    report.rows += [Row("latency: post -> ask.offered", f"{helpers} helpers", lat,
                        _sequential(lat), result["peak_mb"], "c", emit)]
    report.rows += [Row(f"latency hop: {name}", f"{helpers} helpers", samples,
                        _sequential(samples), None, "", base)
                    for name, samples in result["hops_ms"].items() if samples]
    report.rows += [emit, base]
    note = (f"latency: {asks} asks posted one at a time to {helpers} connected helpers; "
            f"{result['asks']} offered")
    if result["missed"]:
        note += (f", ANOMALY: {result['missed']} got no ask.offered within "
                 f"{latency.OFFER_TIMEOUT:.0f} s (left out of p50/p99)")
    report.notes.append(note + ".")


def _emit_floor(redis_url: str, scenario: str) -> Row:
    """The bare-emit floor (``benchmarks.floor``): an HTTP request whose view emits one event,
    through the same Redis message queue, served by the production command's gevent worker —
    what post -> ask.offered costs with none of the exchange's work. Its ratio is the target's."""
    from benchmarks import floor
    from benchmarks.live import free_port
    samples = floor.measure(redis_url, free_port())
    return Row(f"{scenario} baseline: bare emit over HTTP", "1 socket", samples,
               _sequential(samples))


def _race(report: Report, url: str, redis_url: str, helpers: int, races: int) -> None:
    from benchmarks import race
    result = race.run(url, redis_url, helpers=helpers, races=races)
    base = Row("race baseline: one accept", "1 helper", result.baseline_ms,
               _sequential(result.baseline_ms))
    report.rows += [Row("race: accept, all at once", f"{helpers} helpers", result.race_ms,
                        throughput(helpers * len(result.race_ms), result.race_seconds),
                        result.peak_mb, "c", base), base]
    if result.anomalies:
        report.notes.append(f"race: ANOMALY in {len(result.anomalies)} of {races} races "
                            f"(expected one 200 and {helpers - 1}x409 ask_taken):")
        report.notes += [f"  {line}" for line in result.anomalies]
    else:
        report.notes.append(f"race: {races} races, each exactly one 200 and {helpers - 1}x409 "
                            "ask_taken; time = first request sent -> last answer.")


def _api(report: Report, url: str, redis_url: str, threads: int, requests_: int,
         server: str) -> None:
    from benchmarks import api
    result = api.run(url, redis_url, threads=threads, requests_=requests_, server=server)
    size = f"{result.threads} threads"
    base = Row("api baseline: GET /healthz", size, result.baseline.samples_ms,
               result.baseline.per_second)
    report.rows += [
        Row("api: read GET /asks?for_me=true", size, result.reads.samples_ms,
            result.reads.per_second, result.peak_mb, "c", base),
        Row("api: read GET /asks?for_me=true while writing", size,
            result.contended.samples_ms, result.contended.per_second, result.peak_mb, "c",
            base),
        Row("api: write POST /asks + cancel", size, result.writes.samples_ms,
            result.writes.per_second, result.peak_mb, "c", base),
        base]
    note = (f"api: {requests_} requests per phase from {result.threads} threads; while "
            f"writing, {api.WRITERS} more threads posted and cancelled asks "
            f"({len(result.background.samples_ms)} writes)")
    if result.anomalies:
        report.notes.append(note + "; ANOMALY, answers that were not 2xx:")
        report.notes += [f"  {line}" for line in result.anomalies]
    else:
        report.notes.append(note + "; every answer 2xx.")


def _connections(report: Report, url: str, redis_url: str, count: int, reads: int,
                 server: str) -> None:
    from benchmarks import connections
    result = connections.run(url, redis_url, connections=count, reads=reads, server=server)
    report.rows += connections.rows(result)
    report.notes += connections.notes(result)


def _open_loop(report: Report, name: str, url: str, redis_url: str, sizes: dict) -> None:
    """sustained and scaleout: each module runs itself and adds its own rows."""
    if name == "sustained":
        from benchmarks import latency, sustained
        sustained.add_rows(report, sustained.run(url, redis_url, **sizes),
                           latency.baseline(redis_url), _emit_floor(redis_url, "sustained"))
    else:
        from benchmarks import scaleout
        scaleout.add_rows(report, scaleout.run(url, redis_url, **sizes))


def _sequential(samples_ms: list[float]) -> float:
    return throughput(len(samples_ms), sum(samples_ms) / 1000)
