"""Post-to-offer latency with N connected helpers (issue 4's measurement).

Starts a real ``exchange serve`` and a real ``exchange worker`` against the given database and
Redis (``benchmarks.live``), seeds N helpers with a skill of this run's own and an API token
each (direct inserts), connects N python-socketio clients, then posts asks one at a time and
records the time from sending the POST to the first ``ask.offered`` arriving at any client. The
baseline measured in the same run is a bare Redis PUBLISH → subscriber round trip, the floor
every push pays.

The server and worker run with ``EXCHANGE_TRACE_HOPS=1``: each ask's hops (request received,
committed, enqueued, job started, offers committed, published) are timestamped in Redis
(``exchange.adapters.hops``), and with the client's own send and delivery times they say where
the time goes (``HOPS``). The marks cost a Redis round trip each, included in the totals.

    python -m benchmarks.latency postgresql+psycopg://postgres@127.0.0.1/bench \\
        redis://127.0.0.1:6379/5 --helpers 200 --asks 50
"""

from __future__ import annotations

import argparse
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import redis
import requests
import socketio

from benchmarks.live import LiveExchange, run_tag, seed_members, skip_remembered_asks
from benchmarks.table import percentile
from exchange import migrate
from exchange.adapters import hops
from exchange.db import Database

OFFER_TIMEOUT = 10.0  # an ask whose first offer takes longer is counted as missed
# (name, from, to): consecutive stretches of post → offer; "sent" and "delivered" are the
# client's, the rest the server's and worker's marks.
HOPS = (("request in", "sent", "received"), ("to commit", "received", "committed"),
        ("commit to enqueued", "committed", "enqueued"), ("queue to job", "enqueued",
                                                          "job_started"),
        ("wave to commit", "job_started", "offers_committed"),
        ("publish", "offers_committed", "published"), ("to the client", "published",
                                                       "delivered"))


def baseline(redis_url: str, rounds: int = 200) -> list[float]:
    """PUBLISH → subscriber in another connection, in ms."""
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    channel = f"bench-baseline-{run_tag()}"
    pubsub.subscribe(channel)
    samples = []
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            client.publish(channel, "x")
            while pubsub.get_message(timeout=1.0) is None:
                pass
            samples.append((time.perf_counter() - start) * 1000)
    finally:
        pubsub.close()
        client.close()
    return samples


class Swarm:
    def __init__(self, url: str, tokens: list[str]):
        self.first: dict[int, float] = {}
        self.lock = threading.Lock()
        self.clients = [self._client() for _ in tokens]
        # Connect in parallel: one by one, each handshake waits on the last and N=200 takes
        # minutes.
        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(lambda pair: pair[0].connect(
                url, auth={"token": pair[1], "since": 2**31 - 1}, wait_timeout=30,
                transports=["websocket"]), zip(self.clients, tokens, strict=True)))

    def _client(self):
        client = socketio.Client(reconnection=False)
        client.on("ask.offered", self._offered)
        return client

    def _offered(self, payload):
        now = time.time()
        with self.lock:
            self.first.setdefault(payload["data"]["ask"]["id"], now)

    def close(self):
        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(lambda client: client.disconnect(), self.clients))


def run(database_url: str, redis_url: str, helpers: int = 200, asks: int = 50,
        server: str = "serve") -> dict:
    """Measure; the dict has the samples (ms), the baseline (ms), the wall time spent posting
    (s), how many asks got no offer in time, and the server's and worker's peak memory (MB)."""
    migrate.upgrade(database_url)
    db = Database(database_url)
    tag = run_tag()
    try:
        skip_remembered_asks(db, redis_url)  # else a reset database's asks may never match
        asker, *tokens = seed_members(db, helpers + 1, skill=tag)
    finally:
        db.dispose()
    live = LiveExchange(database_url, redis_url, env={"EXCHANGE_TRACE_HOPS": "1"}, server=server)
    with live:
        swarm = Swarm(live.url, tokens)
        try:
            floor = baseline(redis_url)
            started = time.perf_counter()
            samples, traces = _post_asks(live.url, asker, swarm, asks, tag, redis_url)
            seconds = time.perf_counter() - started
        finally:
            swarm.close()
    return {"helpers": helpers, "asks": len(samples), "missed": asks - len(samples),
            "latency_ms": samples, "baseline_ms": floor, "seconds": seconds,
            "peak_mb": live.peak_mb, "hops_ms": hop_samples(traces)}


def hop_samples(traces: list[dict[str, float]]) -> dict[str, list[float]]:
    """Each hop's durations (ms) over the asks whose trace has both ends."""
    found: dict[str, list[float]] = {name: [] for name, _, _ in HOPS}
    for trace in traces:
        for name, start, end in HOPS:
            if start in trace and end in trace:
                found[name].append((trace[end] - trace[start]) * 1000)
    return found


def _post_asks(base: str, asker: str, swarm: Swarm, asks: int, tag: str,
               redis_url: str) -> tuple[list[float], list[dict[str, float]]]:
    headers = {"Authorization": f"Bearer {asker}"}
    samples, traces = [], []
    marks = redis.Redis.from_url(redis_url)
    with requests.Session() as http:
        for i in range(asks):
            start = time.time()
            r = http.post(base + "/api/v1/asks", headers=headers, json={
                "title": f"Bench ask number {i} about {tag}", "minutes": 15, "tags": [tag]})
            r.raise_for_status()
            ask_id = r.json()["id"]
            deadline = time.monotonic() + OFFER_TIMEOUT
            while ask_id not in swarm.first and time.monotonic() < deadline:
                time.sleep(0.001)
            if ask_id in swarm.first:
                samples.append((swarm.first[ask_id] - start) * 1000)
                traces.append({**hops.read(marks, ask_id), "sent": start,
                               "delivered": swarm.first[ask_id]})
            http.post(base + f"/api/v1/asks/{ask_id}/cancel", headers=headers)
    marks.close()
    return samples, traces


def report(result: dict) -> str:
    lat, base = result["latency_ms"], result["baseline_ms"]
    p50, p99 = percentile(lat, 50), percentile(lat, 99)
    b50, b99 = percentile(base, 50), percentile(base, 99)
    return "\n".join([
        "scenario              size   p50 ms   p99 ms   ratio p50 to baseline",
        f"post-to-offer         {result['helpers']:>4}   {p50:7.1f}  {p99:7.1f}"
        f"   {p50 / b50:8.1f}x",
        f"baseline publish      {'-':>4}   {b50:7.2f}  {b99:7.2f}        1.0x",
        f"({result['asks']} asks; an ask counted when its first ask.offered arrived;"
        f" {result['missed']} missed)",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("redis_url")
    parser.add_argument("--helpers", type=int, default=200)
    parser.add_argument("--asks", type=int, default=50)
    args = parser.parse_args()
    print(report(run(args.database_url, args.redis_url, args.helpers, args.asks)))


if __name__ == "__main__":
    main()
