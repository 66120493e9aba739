"""Post-to-offer latency with N connected helpers (CONTRACT §9, issue 4's measurement).

Starts a real ``exchange serve`` and a real ``exchange worker`` against the given database and
Redis, seeds N helpers with the ``python`` skill and an API token each (direct inserts), connects
N python-socketio clients, then posts asks one at a time and records the time from sending the
POST to the first ``ask.offered`` arriving at any client. The baseline measured in the same run
is a bare Redis PUBLISH → subscriber round trip, the floor every push pays.

    python -m benchmarks.latency postgresql+psycopg://postgres@127.0.0.1/bench \\
        redis://127.0.0.1:6379/5 --helpers 200 --asks 50
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
import requests
import socketio
from sqlalchemy import insert

from exchange import migrate
from exchange.db import Database
from exchange.members.models import ApiToken, Member, MemberSkill

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def seed(db: Database, helpers: int) -> tuple[str, list[str]]:
    """An asker and N helpers with tokens; returns (asker token, helper tokens)."""
    tokens = [f"exk_{secrets.token_urlsafe(24)}" for _ in range(helpers + 1)]
    tag = uuid.uuid4().hex[:8]
    with db.engine.begin() as conn:
        ids = conn.execute(insert(Member).returning(Member.id, sort_by_parameter_order=True), [
            {"handle": f"b{tag}{i}", "display_name": f"Bench {i}", "email": f"b{tag}{i}@x.org",
             "capacity": 10} for i in range(helpers + 1)]).scalars().all()
        conn.execute(insert(MemberSkill), [{"member_id": m, "tag": "python"} for m in ids[1:]])
        conn.execute(insert(ApiToken), [
            {"member_id": m, "digest": hashlib.sha256(t.encode()).hexdigest()}
            for m, t in zip(ids, tokens, strict=True)])
    return tokens[0], tokens[1:]


def baseline(redis_url: str, rounds: int = 200) -> list[float]:
    """PUBLISH → subscriber in another connection, in ms."""
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe("bench-baseline")
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        client.publish("bench-baseline", "x")
        while pubsub.get_message(timeout=1.0) is None:
            pass
        samples.append((time.perf_counter() - start) * 1000)
    pubsub.close()
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
        now = time.perf_counter()
        with self.lock:
            self.first.setdefault(payload["data"]["ask"]["id"], now)

    def close(self):
        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(lambda client: client.disconnect(), self.clients))


def run(database_url: str, redis_url: str, helpers: int = 200, asks: int = 50) -> dict:
    migrate.upgrade(database_url)
    db = Database(database_url)
    asker, tokens = seed(db, helpers)
    port = _free_port()
    env = {**os.environ, "EXCHANGE_ENV": "test", "EXCHANGE_DATABASE_URL": database_url,
           "EXCHANGE_REDIS_URL": redis_url, "EXCHANGE_RATE_LIMITS": "off",
           "EXCHANGE_PUSH_CHANNEL": f"bench-{uuid.uuid4().hex}", "EXCHANGE_WAVE_SECONDS": "600"}
    web = subprocess.Popen([BIN / "exchange", "serve", "--port", str(port)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([BIN / "exchange", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base)
        swarm = Swarm(base, tokens)
        floor = baseline(redis_url)
        samples = _post_asks(base, asker, swarm, asks)
        swarm.close()
    finally:
        for proc in (web, worker):
            proc.terminate()
            proc.wait(20)
        db.dispose()
    return {"helpers": helpers, "asks": len(samples), "latency_ms": samples,
            "baseline_ms": floor}


def _wait(base: str) -> None:
    for _ in range(300):
        try:
            if requests.get(base + "/healthz", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not come up")


def _post_asks(base: str, asker: str, swarm: Swarm, asks: int) -> list[float]:
    headers = {"Authorization": f"Bearer {asker}"}
    samples = []
    for i in range(asks):
        start = time.perf_counter()
        r = requests.post(base + "/api/v1/asks", headers=headers, json={
            "title": f"Bench ask number {i} about python", "minutes": 15, "tags": ["python"]})
        ask_id = r.json()["id"]
        deadline = time.monotonic() + 10
        while ask_id not in swarm.first and time.monotonic() < deadline:
            time.sleep(0.001)
        if ask_id in swarm.first:
            samples.append((swarm.first[ask_id] - start) * 1000)
        requests.post(base + f"/api/v1/asks/{ask_id}/cancel", headers=headers)
    return samples


def report(result: dict) -> str:
    lat, base = result["latency_ms"], result["baseline_ms"]
    p50, p99 = statistics.median(lat), _pct(lat, 0.99)
    b50, b99 = statistics.median(base), _pct(base, 0.99)
    return "\n".join([
        "scenario              size   p50 ms   p99 ms   ratio p50 to baseline",
        f"post-to-offer         {result['helpers']:>4}   {p50:7.1f}  {p99:7.1f}"
        f"   {p50 / b50:8.1f}x",
        f"baseline publish      {'-':>4}   {b50:7.2f}  {b99:7.2f}        1.0x",
        f"({result['asks']} asks; an ask counted when its first ask.offered arrived)",
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
