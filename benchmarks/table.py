"""The one table ``exchange bench`` prints, and the arithmetic behind its columns.

Every scenario turns its samples into ``Row``s: one or more measured rows and one baseline row
measured in the same run. ``render`` prints them under one header:

    scenario, size, p50 ms, p99 ms, throughput /s, peak MB, ratio p50 to baseline
"""

from __future__ import annotations

import math
import resource
import sys
from dataclasses import dataclass, field

HEADER = ("scenario", "size", "p50 ms", "p99 ms", "throughput/s", "peak MB",
          "ratio p50")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def maxrss_mb(raw: int | float) -> float:
    """``ru_maxrss`` in MB: Linux counts kilobytes, macOS bytes."""
    return raw / (1024 * 1024) if sys.platform == "darwin" else raw / 1024


def self_peak_mb() -> float:
    """This process's resident-set high-water mark so far (``RUSAGE_SELF``)."""
    return maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def throughput(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


@dataclass
class Row:
    scenario: str
    size: str
    samples_ms: list[float]
    per_second: float  # operations completed per second of wall time
    peak_mb: float | None = None
    memory: str = ""  # "c": the scenario's child processes; "s": this process; "": not given
    baseline: Row | None = None  # None: this row is a baseline

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.samples_ms, 99)

    @property
    def ratio(self) -> float:
        base = self.baseline.p50 if self.baseline is not None else self.p50
        return self.p50 / base if base > 0 else float("nan")

    def cells(self) -> tuple[str, ...]:
        memory = f"{self.peak_mb:.1f} {self.memory}".strip() if self.peak_mb else "-"
        return (self.scenario, self.size, _ms(self.p50), _ms(self.p99),
                f"{self.per_second:.1f}", memory, f"{self.ratio:.1f}x")


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # scenario details and anomalies

    def render(self) -> str:
        table = [HEADER, *(row.cells() for row in self.rows)]
        widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
        lines = []
        for n, line in enumerate(table):
            # Text columns left-aligned, numbers right-aligned; two spaces between columns.
            cells = [cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i])
                     for i, cell in enumerate(line)]
            lines.append("  ".join(cells).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join([*lines, *self.notes])

    def as_json(self) -> dict:
        """The same results for machines: one object per row (ms, per second, MB)."""
        return {"rows": [{"scenario": r.scenario, "size": r.size, "p50_ms": r.p50,
                          "p99_ms": r.p99, "samples": len(r.samples_ms),
                          "per_second": r.per_second, "peak_mb": r.peak_mb or None,
                          "memory": r.memory or None, "ratio_p50": r.ratio,
                          "baseline": r.baseline.scenario if r.baseline else None}
                         for r in self.rows],
                "notes": list(self.notes)}
