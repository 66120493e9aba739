"""CPU time spent per process group while a load runs: what an ask costs, whatever else the
machine is doing.

Latency under load mixes the exchange's own cost with everything else sharing the cores; the
CPU seconds the web process, the worker and the database backends burn per ask do not (a busy
neighbour slows them, it does not make them spend more). ``CpuMeter`` reads ``utime + stime``
from ``/proc/<pid>/stat`` for named groups of pids at ``start`` and ``stop``; a pid gone by then
counts what it had used at the start only. Linux only: elsewhere every figure is ``None``.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, text

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` so far (its threads included), None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15)


def database_backends(database_url: str) -> list[int]:
    """The PostgreSQL server processes connected to this URL's database (empty for SQLite:
    there the database works inside the web and worker processes)."""
    if not database_url.startswith("postgresql"):
        return []
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")))
    finally:
        engine.dispose()


class CpuMeter:
    def __init__(self, groups: dict[str, list[int]]):
        self.groups = groups
        self.started: dict[int, float] = {}

    def start(self) -> CpuMeter:
        self.started = {pid: used for pids in self.groups.values() for pid in pids
                        if (used := cpu_seconds(pid)) is not None}
        return self

    def stop(self) -> dict[str, float | None]:
        """CPU seconds per group since ``start``."""
        if not Path("/proc/self/stat").exists():
            return {name: None for name in self.groups}
        spent = {}
        for name, pids in self.groups.items():
            if not pids:  # nothing to meter (SQLite has no database process)
                spent[name] = None
                continue
            total = 0.0
            for pid in pids:
                now = cpu_seconds(pid)
                if pid in self.started and now is not None:
                    total += now - self.started[pid]
            spent[name] = total
        return spent
