"""The matching benchmark runs end to end on a small membership (its numbers are not judged)."""

from __future__ import annotations

from benchmarks import matching


def test_the_matching_benchmark_times_every_ask_and_shows_the_plan(db, database_url):
    printed: list[str] = []
    result = matching.run(database_url, members=200, asks=3, out=printed.append)
    assert len(result.wave_ms) == len(result.pool_ms) == 3
    assert all(ms > 0 for ms in result.wave_ms + result.pool_ms)
    assert result.plans and all(plan.strip() for plan in result.plans.values())
    assert "first wave" in printed[0]


def test_percentiles_pick_the_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert (matching.percentile(values, 50), matching.percentile(values, 99)) == (50.0, 99.0)


def test_the_percentile_of_no_timings_is_zero():
    assert matching.percentile([], 50) == 0.0
