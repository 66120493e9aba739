"""Sustained load: asks posted open-loop at R per second for T seconds to N connected helpers.

One web process and one worker (``benchmarks.fleet``), N helpers with this run's own skill
connected from a separate light process (``benchmarks.swarm``), and askers enough that nobody
reaches the open-ask limit (each posts at most ``MAX_OPEN_ASKS``). Ask i is due at
``start + i / R`` whatever happened to the earlier ones (open loop: a slow answer does not
slow the posting down), sent from a pool of client threads; its latency runs from its due
time — not from when a busy thread got round to it — to the first ``ask.offered`` at any
helper, so queueing in the client counts against the server, as a person would feel it.

After the last post the bench watches the ``matching`` queue (``DRAINED``): ``drain`` is the
time from the last post's due time until no matching job is queued, popped or running. The
asks are closed in the database at the end (they stay in it, cancelled).
"""

from __future__ import annotations

import math
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import redis
import requests

from benchmarks.cpu import CpuMeter, database_backends
from benchmarks.fleet import fleet
from benchmarks.live import close_asks, run_tag, seed_members, skip_remembered_asks
from benchmarks.swarm import Swarm
from exchange import migrate
from exchange.asks.service import MAX_OPEN_ASKS
from exchange.db import Database

CLIENT_THREADS = 32
DRAIN_TIMEOUT = 60.0
SETTLE = 0.5
# What the load fills: a first wave per ask. Push jobs for helpers online are planned for after
# the live delay (minutes later); mail and housekeeping jobs an earlier run left in the same
# Redis come due at any time and would make the figure measure them.
DRAINED = ("matching",)


def traces(redis_url: str, posted: dict[int, float], first: dict[int, float]) -> dict:
    """Each hop's durations (ms) over the offered asks (``benchmarks.latency.HOPS``), the
    client's "sent" being the ask's due time."""
    from benchmarks.latency import hop_samples
    from exchange.adapters import hops
    connection = redis.Redis.from_url(redis_url)
    try:
        found = [{**hops.read(connection, a), "sent": due, "delivered": first[a]}
                 for a, due in posted.items() if a in first]
    finally:
        connection.close()
    return hop_samples(found)


def busy(connection: redis.Redis, queues: tuple[str, ...] = DRAINED) -> int:
    """Jobs queued, popped or running on ``queues``."""
    with connection.pipeline(transaction=False) as pipe:
        for name in queues:
            pipe.llen(f"rq:queue:{name}")
            pipe.llen(f"rq:queue:{name}:intermediate")  # popped, not yet started
            pipe.zcard(f"rq:wip:{name}")  # started
        return sum(pipe.execute())


def run(database_url: str, redis_url: str, *, helpers: int = 1000, rate: float = 50.0,
        seconds: float = 30.0, server: str = "serve") -> dict:
    migrate.upgrade(database_url)
    return load(database_url, redis_url, webs=1, helpers=helpers, rate=rate, seconds=seconds,
                server=server)


def load(database_url: str, redis_url: str, *, webs: int, helpers: int, rate: float,
         seconds: float, server: str) -> dict:
    """One open-loop run against ``webs`` web processes and as many workers (``fleet``): seed
    askers and helpers with this run's own skill, connect the helpers (split across the web
    processes, one light client process each), post, wait for the matching queue to drain,
    close the asks. Shared by this scenario (1 + 1) and ``benchmarks.scaleout``. While the asks
are posted and matched, the CPU time of the web processes, the workers and the database's
backends is metered (``benchmarks.cpu``): per ask, it says what the load costs whatever else
shares the cores."""
    total = max(1, int(rate * seconds))
    db = Database(database_url)
    tag = run_tag()
    try:
        skip_remembered_asks(db, redis_url)
        askers = seed_members(db, math.ceil(total / MAX_OPEN_ASKS))
        tokens = seed_members(db, helpers, skill=tag)
    finally:
        db.dispose()
    folder = Path(tempfile.mkdtemp(prefix="exchange-bench-load-"))
    with fleet(database_url, redis_url, webs=webs, workers=webs, server=server) as live, \
            ExitStack() as stack:
        swarms = [stack.enter_context(Swarm(url, tokens[i::webs], folder))
                  for i, url in enumerate(live.urls)]
        meter = CpuMeter({
            "web": [life.web_pid for life in live.lives],
            "worker": [life.processes["worker"].pid for life in live.lives
                       if "worker" in life.processes],
            "database": database_backends(database_url)}).start()
        posted, failures, last_due = post_open_loop(live.urls, askers, tag, rate, total)
        drain = drain_after(redis_url, last_due)
        cpu = meter.stop()
        time.sleep(SETTLE)  # the last pushes' way from Redis to the clients
        first: dict[int, float] = {}
        for swarm in swarms:
            for ask_id, at in swarm.stop().items():
                first[ask_id] = min(at, first.get(ask_id, at))
        connected = sum(s.connected for s in swarms)
        failed_connects = sum(s.failed for s in swarms)
    db = Database(database_url)
    try:
        close_asks(db, list(posted))
    finally:
        db.dispose()
    samples = [(first[a] - due) * 1000 for a, due in posted.items() if a in first]
    return {"webs": webs, "workers": webs, "helpers": helpers, "connected": connected,
            "connect_failures": failed_connects, "rate": rate, "seconds": seconds,
            "asks": total, "posted": len(posted), "post_failures": failures,
            "offered": len(samples), "missed": len(posted) - len(samples),
            "latency_ms": samples, "drain_s": drain, "peak_mb": live.peak_mb,
            "hops_ms": traces(redis_url, posted, first),
            "cpu_ms_per_ask": {name: None if spent is None else spent * 1000 / max(len(posted), 1)
                               for name, spent in cpu.items()}}


def cpu_note(result: dict) -> str:
    """"CPU per ask: web 4.1 ms, worker 9.8 ms, database 3.0 ms" (``benchmarks.cpu``)."""
    parts = [f"{name} {ms:.1f} ms" for name, ms in result.get("cpu_ms_per_ask", {}).items()
             if ms is not None]
    return f"; CPU per ask: {', '.join(parts)}" if parts else ""


def post_open_loop(bases: list[str], askers: list[str], tag: str, rate: float,
                    total: int) -> tuple[dict[int, float], int, float]:
    """Post ``total`` asks, ask i due at start + i / rate, to the web processes in turn;
    returns {ask id: due epoch s}, the number of failed posts, and the last due time."""
    local = threading.local()
    posted: dict[int, float] = {}
    failures = 0
    lock = threading.Lock()

    def post(i: int, due: float) -> None:
        nonlocal failures
        http = getattr(local, "http", None) or requests.Session()
        local.http = http
        asker = askers[i // MAX_OPEN_ASKS]
        try:
            r = http.post(bases[i % len(bases)] + "/api/v1/asks",
                          headers={"Authorization": f"Bearer {asker}"},
                          json={"title": f"Sustained ask number {i} about {tag}",
                                "minutes": 15, "tags": [tag]}, timeout=30)
            ok = r.status_code == 201
        except requests.RequestException:
            ok = False
        with lock:
            if ok:
                posted[r.json()["id"]] = due
            else:
                failures += 1

    start = time.time() + 0.5
    with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
        for i in range(total):
            due = start + i / rate
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            pool.submit(post, i, due)
    return posted, failures, start + (total - 1) / rate


def drain_after(redis_url: str, last_due: float) -> float:
    """Seconds from the last post's due time until no job is queued or running."""
    connection = redis.Redis.from_url(redis_url)
    try:
        give_up = time.monotonic() + DRAIN_TIMEOUT
        while busy(connection) and time.monotonic() < give_up:
            time.sleep(0.005)
        return time.time() - last_due
    finally:
        connection.close()


def add_rows(report, result: dict, floor_ms: list[float], emit=None) -> None:
    """The scenario's rows and note in ``exchange bench``'s table (``benchmarks.table``).
    ``emit``: the bare-emit floor's row (``benchmarks.floor``), the main row's baseline."""
    from benchmarks.table import Row, throughput
    base = Row("sustained baseline: redis publish", "1 subscriber", floor_ms,
               throughput(len(floor_ms), sum(floor_ms) / 1000))
    size = f"{result['helpers']} helpers"
    per_second = throughput(result["offered"], result["seconds"])
    report.rows += [
        Row(f"sustained: post -> ask.offered, {result['rate']:g}/s open loop", size,
            result["latency_ms"], per_second, result["peak_mb"], "c", emit or base),
        Row("sustained: matching queue empty after the last post", size, [result["drain_s"] * 1000],
            0.0, None, "", base),
        *([emit] if emit else []), base]
    report.rows += [Row(f"sustained hop: {name}", size, samples, 0.0, None, "", base)
                    for name, samples in result["hops_ms"].items() if samples]
    note = (f"sustained: {result['posted']} of {result['asks']} asks posted over "
            f"{result['seconds']:g} s ({result['post_failures']} failed), {result['offered']} "
            f"offered; {result['connected']} helpers connected ({result['connect_failures']} "
            f"failed) from one light client process; the matching queue empty "
            f"{result['drain_s']:.2f} s after the last post was due{cpu_note(result)}")
    if result["missed"]:
        note += f"; ANOMALY: {result['missed']} asks got no ask.offered"
    report.notes.append(note + ".")
