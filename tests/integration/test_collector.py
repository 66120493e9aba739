"""The long-running processes' garbage collector (exchange/collector.py, docs/decisions/0022):
the production entry point, ``exchange serve`` and the worker (just before its work loop)
freeze the start-up heap and make full collections rarer; everything else keeps CPython's
defaults. Each check runs in a fresh interpreter, so the test
process's own collector is never changed."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap

from exchange.collector import FULL_EVERY

KEY = "k" * 40


def _run(script: str, tmp_path, **env) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
        timeout=120, cwd=tmp_path,
        env={**os.environ, "EXCHANGE_SECRET_KEY": KEY, "FLASK_SKIP_DOTENV": "1",
             "EXCHANGE_DATABASE_URL": f"sqlite:///{tmp_path}/gc.db", **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_production_entry_point_tunes_the_collector(tmp_path):
    seen = _run("""
        import gc, json
        before = [gc.get_threshold(), gc.get_freeze_count()]
        import web.wsgi
        print(json.dumps({"before": before, "after": [gc.get_threshold(), gc.get_freeze_count()]}))
    """, tmp_path)
    (threshold, frozen), (threshold_after, frozen_after) = seen["before"], seen["after"]
    assert threshold[2] == gc.get_threshold()[2] != FULL_EVERY and frozen == 0
    assert threshold_after == [threshold[0], threshold[1], FULL_EVERY]
    assert frozen_after > 10_000  # the modules, the app and its statements: never scanned again


def test_exchange_serve_tunes_it_just_before_serving(tmp_path, redis_url):
    seen = _run("""
        import gc, json, sys
        import web.cli
        def run_server(app, host, port):  # what serve would start: report instead
            print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
        web.cli.run_server = run_server
        sys.argv = ["exchange", "serve", "--no-worker", "--port", "5999"]
        web.cli.main()
    """, tmp_path, EXCHANGE_REDIS_URL=redis_url)
    assert seen["threshold"][2] == FULL_EVERY
    assert seen["frozen"] > 10_000


def test_the_worker_tunes_it_just_before_its_work_loop(tmp_path, redis_url):
    seen = _run("""
        import gc, json, os
        import redis
        from workers.cli import ExchangeWorker
        loaded = [gc.get_threshold(), gc.get_freeze_count()]
        connection = redis.Redis.from_url(os.environ["CHECK_REDIS_URL"])
        connection.delete("rq:queue:gc-check")
        burst = ExchangeWorker(["gc-check"], connection=connection)
        burst.work(burst=True)  # no jobs: straight through RQ's start-up steps and out
        after_burst = [gc.get_threshold(), gc.get_freeze_count()]
        from rq import Queue
        from rq.serializers import JSONSerializer
        Queue("gc-check", connection=connection, serializer=JSONSerializer).enqueue("os.getpid")
        worker = ExchangeWorker(["gc-check"], connection=connection, serializer=JSONSerializer)
        worker.work(max_jobs=1)  # the long-running loop, ended after its one job
        print(json.dumps({"loaded": loaded, "after_burst": after_burst,
                          "looping": [gc.get_threshold(), gc.get_freeze_count()]}))
    """, tmp_path, CHECK_REDIS_URL=redis_url)
    for untouched in ("loaded", "after_burst"):  # a burst ends soon: nothing to tune
        assert seen[untouched][0][2] != FULL_EVERY and seen[untouched][1] == 0
    assert seen["looping"][0][2] == FULL_EVERY and seen["looping"][1] > 10_000


def test_the_cli_keeps_the_defaults(tmp_path):
    seen = _run("""
        import gc, json
        import web.cli, workers.cli
        print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
    """, tmp_path)
    assert seen["threshold"][2] != FULL_EVERY and seen["frozen"] == 0
