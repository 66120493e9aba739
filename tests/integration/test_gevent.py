"""The stack under gevent, as the web process runs it (docs/decisions/0009-server-mode.md).

The test process itself is never monkey-patched (the in-process app runs in threading mode),
so each check runs in a fresh ``python`` subprocess that patches first, exactly as
``web.wsgi`` and ``web.entry`` do, then imports the stack and reports what it saw as JSON.

Concurrency is asserted by the overlap of the greenlets' intervals (each one's start before
the other's end), never by a time threshold: a driver that blocked the hub would run them one
after the other.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy.engine import make_url

from web.entry import subcommand

pytestmark = pytest.mark.slow

PRELUDE = """
from gevent import monkey
monkey.patch_all()
import json, sys, time
import gevent
"""


def run_patched(body: str, **values) -> dict:
    """Run ``body`` in a gevent-patched interpreter; it must ``print(json.dumps(...))``."""
    script = PRELUDE + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", script, json.dumps(values)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def overlapped(intervals: list[list[float]]) -> bool:
    """Every interval overlaps every other: all started before any ended."""
    return max(start for start, _ in intervals) < min(end for _, end in intervals)


def test_psycopg_waits_cooperatively_through_sqlalchemys_pool(database_url):
    seen = run_patched("""
        import psycopg.waiting
        print(json.dumps({"wait": psycopg.waiting.wait.__name__}))
    """)
    # psycopg saw the patched select and left its C poll loop (which would block the hub)
    assert seen["wait"] != "wait_c"
    if make_url(database_url).get_backend_name() != "postgresql":
        return  # the SQLite half of the suite has no PostgreSQL to sleep in
    seen = run_patched("""
        from exchange.db import Database
        from sqlalchemy import text
        db = Database(json.loads(sys.argv[1])["url"])
        def sleep_in_postgres():
            with db.engine.connect() as conn:
                start = time.monotonic()
                conn.execute(text("SELECT pg_sleep(0.5)"))
                return [start, time.monotonic()]
        jobs = [gevent.spawn(sleep_in_postgres) for _ in range(2)]
        gevent.joinall(jobs, raise_error=True)
        print(json.dumps({"intervals": [j.value for j in jobs],
                          "pooled": db.engine.pool.checkedin()}))
    """, url=database_url)
    assert overlapped(seen["intervals"]), seen
    assert seen["pooled"] == 2  # two connections from SQLAlchemy's pool, both given back


def test_redis_py_and_rqs_client_wait_cooperatively(redis_url):
    seen = run_patched("""
        import redis
        from rq import Queue
        url = json.loads(sys.argv[1])["url"]
        def block_in_redis(key):
            client = redis.Redis.from_url(url)
            start = time.monotonic()
            client.blpop([key], timeout=1)  # nothing comes: Redis holds the call a second
            return [start, time.monotonic()]
        jobs = [gevent.spawn(block_in_redis, f"gevent-test-{i}") for i in range(2)]
        gevent.joinall(jobs, raise_error=True)
        queue = Queue("gevent-test", connection=redis.Redis.from_url(url))
        enqueued = gevent.spawn(queue.enqueue, "builtins.len", "abc")
        enqueued.join()
        print(json.dumps({"intervals": [j.value for j in jobs],
                          "queued": queue.job_ids, "job": enqueued.value.id}))
    """, url=redis_url)
    assert overlapped(seen["intervals"]), seen
    assert seen["queued"] == [seen["job"]]


def test_sqlite_writers_in_one_gevent_process_queue_instead_of_freezing_it(tmp_path):
    # Each writer holds SQLite's write lock across a yield (gevent.sleep stands for any I/O:
    # a Redis call, a socket send). Without the process-wide writer lock the second writer
    # would busy-wait inside SQLite's C code, which never yields: the first could never run
    # to commit, and the second would fail "database is locked" after busy_timeout.
    seen = run_patched("""
        from exchange import db as dbmod
        from sqlalchemy import text
        dbmod.WRITE_LOCK_TIMEOUT = 10.0
        database = dbmod.Database(json.loads(sys.argv[1])["url"])
        with database.engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (who TEXT)"))
        order = []
        def write(who):
            with database.session() as s, s.begin():
                s.execute(text("INSERT INTO t VALUES (:w)"), {"w": who})
                order.append(f"{who} wrote")
                gevent.sleep(0.05)
                order.append(f"{who} commits")
        def read():
            with database.session(write=False) as s:
                return s.execute(text("SELECT count(*) FROM t")).scalar_one()
        writers = [gevent.spawn(write, who) for who in ("a", "b")]
        reader = gevent.spawn(read)  # reads take no lock: it finishes while "a" holds it
        gevent.joinall([*writers, reader], raise_error=True)
        rows = read()
        print(json.dumps({"order": order, "rows": rows, "read_while_writing": reader.value}))
    """, url=f"sqlite:///{tmp_path / 'gevent.db'}")
    assert seen["rows"] == 2
    # one after the other, each commit before the next write: queued on the lock
    assert seen["order"] == ["a wrote", "a commits", "b wrote", "b commits"]
    assert seen["read_while_writing"] == 0


def test_the_socketio_mode_follows_the_patching(tmp_path):
    seen = run_patched("""
        from web.realtime import async_mode
        print(json.dumps({"mode": async_mode()}))
    """)
    assert seen["mode"] == "gevent"
    # and this (unpatched) test process builds its apps in threading mode
    from web.realtime import async_mode
    assert async_mode() == "threading"


@pytest.mark.parametrize(("argv", "expected"), [
    (["serve", "--port", "5001"], "serve"), (["--app", "web", "serve"], "serve"),
    (["worker"], "worker"), (["bench", "connections"], "bench"), (["--help"], None),
    (["-e", "serve.env", "db", "upgrade"], "db")])
def test_only_exchange_serve_is_patched(argv, expected):
    assert subcommand(argv) == expected
