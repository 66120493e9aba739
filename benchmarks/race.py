"""The accept race: N helpers accept the same open ask at the same moment.

Against a live ``exchange serve`` (``benchmarks.live``): an asker posts an ask, N threads —
one helper each, released together by a barrier — ``POST /api/v1/asks/{id}/accept``, and the
race's wall time runs from the first request sent to the last answer. Exactly one accept must
win (200) and the rest lose with 409 ``ask_taken``; any other outcome is counted as an anomaly
and reported, not raised. The asker then cancels the matched ask, so the winner's capacity is
free for the next race. The baseline, in the same run and on the same server: one uncontended
accept (one helper, nobody racing).

The asks carry a tag nobody has, so the worker's matching finds no candidates and the race
measures the accept itself.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from benchmarks.live import LiveExchange, run_tag, seed_members, skip_remembered_asks
from exchange import migrate
from exchange.db import Database


@dataclass
class RaceResult:
    helpers: int
    race_ms: list[float] = field(default_factory=list)  # first request sent → last answer
    race_seconds: float = 0.0  # the races' wall time, summed
    baseline_ms: list[float] = field(default_factory=list)  # one uncontended accept
    anomalies: list[str] = field(default_factory=list)
    peak_mb: float = 0.0


class _Client:
    def __init__(self, base: str, token: str):
        self.base = base
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.http.post(self.base + "/api/v1" + path, timeout=30, **kwargs)


def run(database_url: str, redis_url: str, helpers: int = 10, races: int = 20) -> RaceResult:
    migrate.upgrade(database_url)
    db = Database(database_url)
    try:
        skip_remembered_asks(db, redis_url)
        asker_token, *tokens = seed_members(db, helpers + 2)  # the last helper: the baseline
    finally:
        db.dispose()
    tag, result = run_tag(), RaceResult(helpers=helpers)
    live = LiveExchange(database_url, redis_url)
    with live:
        asker = _Client(live.url, asker_token)
        racers = [_Client(live.url, t) for t in tokens[:helpers]]
        solo = _Client(live.url, tokens[helpers])
        try:
            _baseline(asker, solo, tag, races, result)
            with ThreadPoolExecutor(max_workers=helpers) as pool:
                for n in range(races):
                    _race(pool, asker, racers, tag, n, result)
        finally:
            for client in (asker, solo, *racers):
                client.http.close()
    result.peak_mb = live.peak_mb
    return result


def _post(asker: _Client, tag: str, title: str) -> int:
    r = asker.post("/asks", json={"title": title, "minutes": 15, "tags": [tag]})
    r.raise_for_status()
    return r.json()["id"]


def _baseline(asker: _Client, solo: _Client, tag: str, rounds: int, result: RaceResult) -> None:
    for n in range(rounds):
        ask_id = _post(asker, tag, f"Bench uncontended accept {n}")
        start = time.perf_counter()
        r = solo.post(f"/asks/{ask_id}/accept")
        result.baseline_ms.append((time.perf_counter() - start) * 1000)
        if r.status_code != 200:
            result.anomalies.append(f"uncontended accept {n}: {r.status_code} "
                                    f"{_reason(r)}")
        asker.post(f"/asks/{ask_id}/cancel")


def _race(pool, asker: _Client, racers: list[_Client], tag: str, n: int,
          result: RaceResult) -> None:
    ask_id = _post(asker, tag, f"Bench accept race {n}")
    barrier = threading.Barrier(len(racers))

    def accept(client: _Client) -> tuple[float, float, requests.Response]:
        barrier.wait()
        sent = time.perf_counter()
        r = client.post(f"/asks/{ask_id}/accept")
        return sent, time.perf_counter(), r

    answers = list(pool.map(accept, racers))
    wall = max(a[1] for a in answers) - min(a[0] for a in answers)
    result.race_ms.append(wall * 1000)
    result.race_seconds += wall
    outcome = Counter(r.status_code for _, _, r in answers)
    losers = [r for _, _, r in answers if r.status_code == 409]
    if outcome[200] != 1 or outcome[409] != len(racers) - 1 or \
            any(_reason(r) != "ask_taken" for r in losers):
        tally = ", ".join(f"{count}x{status}" for status, count in sorted(outcome.items()))
        reasons = sorted({_reason(r) for _, _, r in answers if r.status_code != 200})
        result.anomalies.append(f"race {n} (ask {ask_id}): {tally}; reasons {reasons}")
    asker.post(f"/asks/{ask_id}/cancel")


def _reason(r: requests.Response) -> str:
    try:
        return str(r.json().get("reason", ""))
    except ValueError:
        return r.text[:80]
