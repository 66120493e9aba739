"""Scale-out: 2 web processes + 2 workers sharing one Redis and one database, against 1 + 1,
in the same run: post → first offer p50 for each and the ratio (2+2 over 1+1).

Each configuration (``benchmarks.fleet``) gets its own helpers (this configuration's own
skill), connected from a light client process per web process (``benchmarks.swarm``; with two
web processes half the helpers connect to each, so a push must cross processes through the
Redis message queue half the time), and asks posted open-loop at R per second for T seconds,
to the web processes in turn (``benchmarks.sustained.load``). Latency runs from each
ask's due time to its first ``ask.offered`` at any helper.
"""

from __future__ import annotations

from benchmarks.sustained import cpu_note, load
from exchange import migrate


def run(database_url: str, redis_url: str, *, helpers: int = 200, rate: float = 20.0,
        seconds: float = 10.0, server: str = "serve") -> dict:
    migrate.upgrade(database_url)
    return {size_name: load(database_url, redis_url, webs=size, helpers=helpers, rate=rate,
                            seconds=seconds, server=server)
            for size_name, size in (("single", 1), ("double", 2))}


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
                f"{r['drain_s']:.2f} s after the last post was due{cpu_note(r)}")
        if r["missed"]:
            note += f"; ANOMALY: {r['missed']} asks got no ask.offered"
        report.notes.append(note + ".")
