"""API read and write throughput against a live ``exchange serve``.

K client threads, one member (and API token) each, against ``benchmarks.live``'s server with a
worker beside it:

* reads: ``GET /api/v1/asks?for_me=true`` — the asks a member could help with, a page of 20
  (the bench seeds 20 open asks with a tag every bench member has, so every page is full);
* writes: ``POST /api/v1/asks`` then ``POST /api/v1/asks/{id}/cancel``, each a timed request,
  so no member ever has more than one ask open;
* reads while writing: the same reads from K threads while ``WRITERS`` more threads keep
  writing — the read row that shows whether writes hold reads up (SQLite's single writer);
* baseline: ``GET /healthz`` from the same K threads, the same number of requests: the cost of
  the HTTP stack with no database work.

Each phase sends R requests in all (R/K per thread) and reports per-request p50/p99 and the
requests per second over the phase's wall time. Any answer that is not 2xx is counted as an
anomaly and reported.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests

from benchmarks.live import (
    LiveExchange,
    analyze,
    close_asks,
    run_tag,
    seed_members,
    seed_open_asks,
    skip_remembered_asks,
)
from exchange import migrate
from exchange.db import Database

FEED_ASKS = 20
WRITERS = 2


@dataclass
class Phase:
    name: str
    samples_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: Counter = field(default_factory=Counter)  # status code -> count
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def per_second(self) -> float:
        return len(self.samples_ms) / self.seconds if self.seconds else 0.0


@dataclass
class ApiResult:
    threads: int
    requests: int
    reads: Phase = field(default_factory=lambda: Phase("reads"))
    writes: Phase = field(default_factory=lambda: Phase("writes"))
    baseline: Phase = field(default_factory=lambda: Phase("healthz"))
    contended: Phase = field(default_factory=lambda: Phase("reads while writing"))
    background: Phase = field(default_factory=lambda: Phase("background writes"))
    peak_mb: float = 0.0

    @property
    def anomalies(self) -> list[str]:
        return [f"api {p.name}: " + ", ".join(f"{n}x{status}" for status, n in
                                             sorted(p.failures.items()))
                for p in (self.reads, self.writes, self.baseline, self.contended,
                          self.background) if p.failures]


def run(database_url: str, redis_url: str, threads: int = 8, requests_: int = 400,
        server: str = "serve") -> ApiResult:
    threads = max(1, min(threads, requests_))
    migrate.upgrade(database_url)
    db = Database(database_url)
    tag, feed = run_tag(), []
    result = ApiResult(threads=threads, requests=requests_)
    try:
        skip_remembered_asks(db, redis_url)
        tokens = seed_members(db, threads + WRITERS, skill=tag)
        feed = seed_open_asks(db, FEED_ASKS, tag)
        analyze(db)
        live = LiveExchange(database_url, redis_url, server=server)
        with live:
            everyone = [_session(t) for t in tokens]
            sessions, writers = everyone[:threads], everyone[threads:]
            try:
                shares = _split(requests_, threads)
                _phase(result.baseline, sessions, shares, _healthz(live.url))
                _phase(result.reads, sessions, shares, _read(live.url))
                _phase(result.writes, sessions, shares, _write(live.url, tag))
                with _writing(result.background, writers, live.url, tag):
                    _phase(result.contended, sessions, shares, _read(live.url))
            finally:
                for http in everyone:
                    http.close()
        result.peak_mb = live.peak_mb
    finally:
        close_asks(db, feed)
        db.dispose()
    return result


def _session(token: str) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _timed(phase: Phase, send, url: str, **kwargs) -> requests.Response:
    start = time.perf_counter()
    r = send(url, timeout=30, **kwargs)
    ms = (time.perf_counter() - start) * 1000
    with phase.lock:
        phase.samples_ms.append(ms)
        if not r.ok:
            phase.failures[r.status_code] += 1
    return r


def _healthz(base: str):
    def work(phase: Phase, http: requests.Session, count: int) -> None:
        for _ in range(count):
            _timed(phase, http.get, base + "/healthz")
    return work


def _read(base: str):
    def work(phase: Phase, http: requests.Session, count: int) -> None:
        for _ in range(count):
            _timed(phase, http.get, base + "/api/v1/asks", params={"for_me": "true"})
    return work


def _write(base: str, tag: str):
    def work(phase: Phase, http: requests.Session, count: int) -> None:
        sent = 0
        while sent < count:
            r = _timed(phase, http.post, base + "/api/v1/asks", json={
                "title": f"Bench write {sent} for {tag}", "minutes": 15, "tags": [tag]})
            sent += 1
            if r.status_code != 201:
                continue
            ask_id = r.json()["id"]
            if sent < count:
                _timed(phase, http.post, f"{base}/api/v1/asks/{ask_id}/cancel")
                sent += 1
            else:  # an odd share: cancel it untimed, so no ask is left open
                http.post(f"{base}/api/v1/asks/{ask_id}/cancel", timeout=30)
    return work


@contextmanager
def _writing(phase: Phase, writers: list[requests.Session], base: str, tag: str):
    """Writers posting and cancelling asks until the block ends."""
    stop = threading.Event()

    def keep_writing(http: requests.Session) -> None:
        write = _write(base, tag)
        while not stop.is_set():
            write(phase, http, 2)

    threads = [threading.Thread(target=keep_writing, args=(h,), daemon=True) for h in writers]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


def _phase(phase: Phase, sessions: list[requests.Session], shares: list[int], work) -> None:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        list(pool.map(lambda pair: work(phase, *pair), zip(sessions, shares, strict=True)))
    phase.seconds = time.perf_counter() - started
