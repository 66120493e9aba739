"""``exchange bench``: the real command, as a subprocess, with tiny sizes (numbers not judged).

The bench gets a database of its own — never the test database, whose schema the session
``db`` fixture owns: a tmp SQLite file, or the PostgreSQL database ``<test database>_bench``
(created here if missing; one per test database, so per xdist worker), which ``--reset`` may
empty. Redis is the test Redis, with a push channel of this run's own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from benchmarks.latency import HOPS
from benchmarks.live import skip_remembered_asks
from exchange import migrate
from exchange.asks.models import Ask
from exchange.db import Database

pytestmark = pytest.mark.slow

EXCHANGE = Path(sys.executable).with_name("exchange")
SCENARIOS = ("latency", "race", "matching", "api", "connections")
# scenario, size, p50, p99, throughput, peak memory ("12.3 c", "12.3 s" or "-"), ratio
# Numbers may be negative: the last stretch of post -> offer (published -> at the client) is
# timed across processes, and a client can have a push before the worker has noted it sent.
ROW = re.compile(r"^(?P<scenario>\S.*?)\s{2,}(?P<size>\S.*?)\s{2,}(?P<p50>-?\d+\.\d+)\s+"
                 r"(?P<p99>-?\d+\.\d+)\s+(?P<per_second>-?\d+\.\d+)\s+"
                 r"(?P<peak>\d+\.\d [cs]|-)\s+(?P<ratio>-?\d+\.\d+)x$")


def _scratch_postgres(test_url: str) -> str:
    """``<test database>_bench`` on the test server, created if this server lacks it."""
    test = make_url(test_url)
    name = f"{test.database}_bench"
    admin = create_engine(test.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) \
                    is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return test.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def bench_url(database_url, tmp_path_factory) -> str:
    if make_url(database_url).get_backend_name() == "postgresql":
        return _scratch_postgres(database_url)
    return f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.db'}"


@pytest.fixture
def bench(bench_url, tmp_path, redis_url):
    def run(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "EXCHANGE_ENV": "test", "EXCHANGE_DATABASE_URL": bench_url,
               "EXCHANGE_REDIS_URL": redis_url,
               "EXCHANGE_PUSH_CHANNEL": f"bench-test-{uuid.uuid4().hex}",
               "EXCHANGE_INSTANCE_DIR": str(tmp_path / "instance"),
               "FLASK_SKIP_DOTENV": "1"}
        return subprocess.run([str(EXCHANGE), "bench", *args], env=env, capture_output=True,
                              text=True, timeout=300)
    return run


def table(stdout: str) -> dict[str, dict[str, str]]:
    rows = [ROW.match(line) for line in stdout.splitlines()]
    return {m["scenario"]: m.groupdict() for m in rows if m}


def test_help_lists_the_scenarios(bench):
    result = bench("--help")
    assert result.returncode == 0, result.stderr
    for scenario in SCENARIOS:
        assert f"  {scenario} " in result.stdout
    for option in ("--helpers", "--asks", "--sizes", "--requests", "--reset", "--scratch"):
        assert option in result.stdout


def test_matching_leaves_the_database_alone_without_reset(bench, bench_url):
    engine = create_engine(bench_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS keep_me (n integer)"))
    try:
        result = bench("matching", "--sizes", "50", "--asks", "3")
        assert result.returncode == 0, result.stderr
        assert "throwaway SQLite file" in result.stdout
        with engine.connect() as conn:  # the configured database still has its tables
            assert conn.scalar(text("SELECT count(*) FROM keep_me")) == 0
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS keep_me"))
        engine.dispose()


def test_every_scenario_prints_its_rows_and_a_baseline(bench):
    result = bench("--helpers", "3", "--asks", "2", "--requests", "20", "--threads", "4",
                   "--sizes", "50", "--connections", "5", "--reset")
    assert result.returncode == 0, result.stdout + result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header[:2] == ["scenario", "size"]
    for column in ("p50", "p99", "throughput/s", "peak", "ratio"):
        assert column in header
    rows = table(result.stdout)
    assert set(rows) == {
        "matching: pool query", "matching: first wave", "matching baseline: pk lookup",
        "latency: post -> ask.offered", "latency baseline: redis publish",
        "latency baseline: bare emit over HTTP",
        *(f"latency hop: {name}" for name, _, _ in HOPS),
        "race: accept, all at once", "race baseline: one accept",
        "api: read GET /asks?for_me=true", "api: read GET /asks?for_me=true while writing",
        "api: write POST /asks + cancel", "api baseline: GET /healthz",
        "connections: for_me reads while connected",
        "connections baseline: for_me reads, no socket",
    }, result.stdout
    for name, row in rows.items():
        assert float(row["p50"]) <= float(row["p99"]), row
        if name.startswith("latency hop:"):  # a stretch of post -> offer; may round to 0.00
            assert row["peak"] == "-"
            # Timed across processes (ROW): the worker can start the job before the web
            # process has noted "enqueued" (a Redis round trip after the enqueue returned),
            # and a client can have its push before the worker has noted "published".
            if name not in ("latency hop: to the client", "latency hop: queue to job"):
                assert float(row["p50"]) >= 0, (name, row)
            continue
        assert float(row["p50"]) > 0 and float(row["per_second"]) > 0, row
        if "baseline" in name:
            assert row["ratio"] == "1.0" and row["peak"] == "-"
        else:
            assert float(row["ratio"]) > 0 and row["peak"] != "-"
    assert rows["latency: post -> ask.offered"]["size"] == "3 helpers"
    assert rows["matching: first wave"]["size"] == "50 members"
    assert rows["api: read GET /asks?for_me=true"]["size"] == "4 threads"
    assert rows["connections: for_me reads while connected"]["size"] == "5 sockets"
    assert "connections: 5 of 5 sockets connected to docker-compose.yml's web command" in \
        result.stdout
    assert "race: 2 races, each exactly one 200 and 2x409 ask_taken" in result.stdout
    assert "ANOMALY" not in result.stdout and "FAILED" not in result.stdout


def test_sustained_and_scaleout_print_their_rows(bench):
    """Open loop from a light client process; 2 web + 2 workers against 1 + 1. Only named."""
    result = bench("sustained", "scaleout", "--helpers", "4", "--rate", "4", "--seconds", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = table(result.stdout)
    hops = {f"{prefix} hop: {name}" for name, _, _ in HOPS
            for prefix in ("sustained", "scaleout 1+1", "scaleout 2+2")}
    assert {name for name in rows if " hop: " not in name} == {
        "sustained: post -> ask.offered, 4/s open loop",
        "sustained: matching queue empty after the last post",
        "sustained baseline: redis publish", "sustained baseline: bare emit over HTTP",
        "scaleout: 2 web + 2 workers", "scaleout baseline: 1 web + 1 worker",
    }, result.stdout
    # A light client can have a push before the worker has noted "published" (a Redis round
    # trip after it): the last stretch may be negative, or missing when no ask has both ends.
    assert {name for name in rows if " hop: " in name} <= hops
    assert "sustained hop: queue to job" in rows and "scaleout 2+2 hop: queue to job" in rows
    assert rows["sustained: post -> ask.offered, 4/s open loop"]["size"] == "4 helpers"
    assert "sustained: 4 of 4 asks posted over 1 s (0 failed), 4 offered; 4 helpers " \
        "connected (0 failed)" in result.stdout
    # what each ask cost in CPU, whatever else ran (benchmarks/cpu.py): web and worker always
    assert re.search(r"sustained: .*; CPU per ask: web \d+\.\d ms, worker \d+\.\d ms",
                     result.stdout), result.stdout
    for config in ("1+1", "2+2"):
        assert f"scaleout {config}: 4 of 4 asks posted open loop to the web processes in " \
            "turn, 4 offered, 4 helpers connected" in result.stdout
    assert float(rows["scaleout: 2 web + 2 workers"]["ratio"]) > 0
    assert "ANOMALY" not in result.stdout and "FAILED" not in result.stdout


def test_asks_skip_past_ids_redis_still_has_jobs_for(bench_url, redis_url):
    """After a reset ask ids start again, and unique job ids (match-{ask}-…) an earlier run
    left in Redis would swallow the new asks' jobs: the bench moves the next id past them."""
    migrate.upgrade(bench_url)
    db = Database(bench_url)
    try:
        with db.engine.connect() as conn:
            newest = conn.scalar(select(func.max(Ask.id))) or 0
        client = redis.Redis.from_url(redis_url)
        client.set(f"rq:job:match-{newest + 500}-0-1", "x")
        client.set(f"rq:job:reinstate-{newest + 900}-1700000000", "x")  # a member's, not an ask's
        client.close()
        assert skip_remembered_asks(db, redis_url) == newest + 500
        assert skip_remembered_asks(db, redis_url) == 0  # nothing left to skip
        with db.engine.begin() as conn:
            author = conn.scalar(select(Ask.author_id).where(Ask.id == newest + 500))
            fresh = conn.execute(insert(Ask).returning(Ask.id), {
                "author_id": author, "title": "After the skip", "minutes": 15}).scalar_one()
        assert fresh > newest + 500
    finally:
        db.dispose()


def test_quick_runs_small_sizes_and_writes_the_table_as_json(bench, tmp_path):
    out = tmp_path / "bench.json"
    result = bench("matching", "--quick", "--scratch", "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(out.read_text())
    rows = {row["scenario"]: row for row in data["rows"]}
    assert rows["matching: first wave"]["size"] == "1000 members"  # --quick's size
    assert rows["matching: first wave"]["samples"] == 20
    assert rows["matching: first wave"]["baseline"] == "matching baseline: pk lookup"
    assert rows["matching: first wave"]["p50_ms"] <= rows["matching: first wave"]["p99_ms"]
    assert any("matching:" in note for note in data["notes"])
