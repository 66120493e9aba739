"""Scale-out: 2 web processes + 2 workers sharing one Redis and one database, against 1 + 1,
in the same run: post → first offer p50 for each and the ratio (2+2 over 1+1).

Each configuration (``benchmarks.fleet``) gets its own helpers (this configuration's own
skill), connected from a light client process per web process (``benchmarks.swarm``; with two
web processes half the helpers connect to each, so a push must cross processes through the
Redis message queue half the time), and asks posted open-loop at R per second for T seconds,
to the web processes in turn (``benchmarks.sustained.post_open_loop``). Latency runs from each
ask's due time to its first ``ask.offered`` at any helper.
"""

from __future__ import annotations

import math
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks.fleet import fleet
from benchmarks.live import close_asks, run_tag, seed_members, skip_remembered_asks
from benchmarks.sustained import SETTLE, drain_after, post_open_loop, traces
from benchmarks.swarm import Swarm
from exchange import migrate
from exchange.asks.service import MAX_OPEN_ASKS
from exchange.db import Database


def run(database_url: str, redis_url: str, *, helpers: int = 200, rate: float = 20.0,
        seconds: float = 10.0, server: str = "serve") -> dict:
    migrate.upgrade(database_url)
    return {"single": _one(database_url, redis_url, 1, helpers, rate, seconds, server),
            "double": _one(database_url, redis_url, 2, helpers, rate, seconds, server)}


def _one(database_url: str, redis_url: str, size: int, helpers: int, rate: float,
         seconds: float, server: str) -> dict:
    total = max(1, int(rate * seconds))
    db = Database(database_url)
    tag = run_tag()
    try:
        skip_remembered_asks(db, redis_url)
        askers = seed_members(db, math.ceil(total / MAX_OPEN_ASKS))
        tokens = seed_members(db, helpers, skill=tag)
    finally:
        db.dispose()
    folder = Path(tempfile.mkdtemp(prefix="exchange-bench-scaleout-"))
    with fleet(database_url, redis_url, webs=size, workers=size, server=server) as live, \
            ExitStack() as stack:
        swarms = [stack.enter_context(Swarm(url, tokens[i::size], folder))
                  for i, url in enumerate(live.urls)]
        posted, failures, last_due = post_open_loop(live.urls, askers, tag, rate, total)
        drain = drain_after(redis_url, last_due)
        time.sleep(SETTLE)
        first: dict[int, float] = {}
        for swarm in swarms:
            for ask_id, at in swarm.stop().items():
                first[ask_id] = min(at, first.get(ask_id, at))
        connected = sum(s.connected for s in swarms)
    db = Database(database_url)
    try:
        close_asks(db, list(posted))
    finally:
        db.dispose()
    samples = [(first[a] - due) * 1000 for a, due in posted.items() if a in first]
    return {"webs": size, "workers": size, "helpers": helpers, "connected": connected,
            "asks": total, "rate": rate, "seconds": seconds, "posted": len(posted),
            "post_failures": failures,
            "offered": len(samples), "missed": len(posted) - len(samples),
            "latency_ms": samples, "drain_s": drain, "peak_mb": live.peak_mb,
            "hops_ms": traces(redis_url, posted, first)}


def add_rows(report, result: dict) -> None:
    """Rows for ``exchange bench``: 1+1 is the baseline of 2+2 (ratio p50 = the target's)."""
    from benchmarks.table import Row, throughput
    single, double = result["single"], result["double"]

    def row(name: str, r: dict, base):
        return Row(name, f"{r['helpers']} helpers", r["latency_ms"],
                   throughput(r["offered"], r["seconds"]), r["peak_mb"], "c", base)
    base = row("scaleout baseline: 1 web + 1 worker", single, None)
    report.rows += [row("scaleout: 2 web + 2 workers", double, base), base]
    for label, r in (("2+2", double), ("1+1", single)):
        report.rows += [Row(f"scaleout {label} hop: {name}", f"{r['helpers']} helpers", samples,
                            0.0, None, "", base)
                        for name, samples in r["hops_ms"].items() if samples]
    for r in (single, double):
        note = (f"scaleout {r['webs']}+{r['workers']}: {r['posted']} of {r['asks']} asks "
                f"posted open loop to the web processes in turn, {r['offered']} offered, "
                f"{r['connected']} helpers connected; the matching queue empty "
                f"{r['drain_s']:.2f} s after the last post was due")
        if r["missed"]:
            note += f"; ANOMALY: {r['missed']} asks got no ask.offered"
        report.notes.append(note + ".")
