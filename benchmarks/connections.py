"""N Socket.IO clients held against one web process: how many connect, what each costs the
process in memory, and whether the API still answers while they are connected.

Starts docker-compose.yml's web command (gunicorn, ``benchmarks.live.production_command``; or
``exchange serve`` with ``server="serve"``) and an ``exchange worker`` on the given database
and Redis, seeds one member (with an API token) per socket, and then:

1. baseline: ``GET /api/v1/asks?for_me=true`` from 8 threads with no socket connected;
2. opens N sockets and records the web process's RSS before and after (``VmRSS`` of
   ``/proc/<pid>/status``; under gunicorn, its worker process);
3. the same reads from 8 threads while the N sockets are connected;
4. one push to every member through the Redis message queue, as the worker pushes, and counts
   the sockets it reached.

The clients are raw Socket.IO-over-engine.io websockets (``HeldSockets``) on one asyncio loop
in a thread of their own (aiohttp): python-socketio's threaded client costs a few OS threads a
socket, which would measure the bench rather than the server. Each does what a real client
does: the engine.io handshake over a websocket, a Socket.IO CONNECT with its token, answering
pings, recording the events it is pushed.

    python -m benchmarks.connections postgresql+psycopg://postgres@127.0.0.1/bench \\
        redis://127.0.0.1:6379/5 --connections 5000
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import resource
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import select

from benchmarks.api import FEED_ASKS
from benchmarks.live import (
    COMPOSE,
    LiveExchange,
    close_asks,
    run_tag,
    seed_members,
    seed_open_asks,
    skip_remembered_asks,
)
from benchmarks.table import Row
from exchange import migrate
from exchange.adapters.push import RedisPushPublisher
from exchange.db import Database
from exchange.members.models import ApiToken

READERS = 8
CONNECT_TIMEOUT = 30.0  # one socket's handshake (queued behind the others); longer: failed
CONNECTING_AT_ONCE = 100
HANDSHAKE_RETRIES = 2  # a handshake that timed out or failed is tried again, twice
PUSH_TIMEOUT = 30.0
READ_TIMEOUT = 10.0
READ_PHASE_LIMIT = 60.0  # a server that stopped answering ends the phase, not the bench


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to its hard limit (each socket is a descriptor);
    child processes (the server) inherit it. Returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kb(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (``VmRSS``)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class HeldSockets:
    """Raw Socket.IO clients on one asyncio loop in a background thread.

    ``open(tokens)`` connects one socket per token (``CONNECTING_AT_ONCE`` handshakes at a
    time) and returns once each has connected, been refused or failed; ``events`` holds what
    each socket was pushed; ``close()`` closes them all."""

    def __init__(self, base_url: str):
        self.url = base_url.replace("http://", "ws://", 1) + \
            "/socket.io/?EIO=4&transport=websocket"
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                        name="held-sockets")
        self._thread.start()
        self._lock = threading.Lock()
        self.events: dict[int, list[tuple[str, object]]] = {}
        self.outcomes: Counter = Counter()  # "connected", "refused", "failed: <why>"
        self.open_now = 0
        self.retries = 0  # handshakes tried again after a timeout or failure
        self._session = None
        self._sockets: list = []
        self._readers: list[asyncio.Task] = []

    def _run(self, coro, timeout: float | None = None):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def open(self, tokens: list[str]) -> Counter:
        return self._run(self._open_all(tokens))

    async def _open_all(self, tokens: list[str]) -> Counter:
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
        start = len(self.events)
        await asyncio.gather(*(self._open_one(start + i, token, gate)
                               for i, token in enumerate(tokens)))
        return Counter(self.outcomes)

    async def _open_one(self, index: int, token: str, gate: asyncio.Semaphore) -> None:
        self.events[index] = []
        async with gate:
            ws = None
            for attempt in range(1 + HANDSHAKE_RETRIES):  # as a real client reconnects
                if attempt:
                    self.retries += 1
                try:
                    ws = await asyncio.wait_for(self._handshake(token), CONNECT_TIMEOUT)
                except TimeoutError:
                    outcome = "failed: timed out"
                except ConnectionRefusedError:
                    outcome = "refused"
                    break
                except Exception as exc:  # noqa: BLE001 - counted and reported, never raised
                    outcome = f"failed: {type(exc).__name__}"
                else:
                    outcome = "connected"
                    break
            self.outcomes[outcome] += 1
        if ws is not None:
            self._sockets.append(ws)
            self.open_now += 1
            self._readers.append(asyncio.ensure_future(self._read(index, ws)))

    async def _handshake(self, token: str):
        import aiohttp

        ws = await self._session.ws_connect(self.url, autoping=True, max_msg_size=0,
                                            timeout=aiohttp.ClientWSTimeout(ws_close=1.0))
        try:
            opened = await ws.receive_str()
            if not opened.startswith("0"):
                raise RuntimeError(f"not an engine.io OPEN packet: {opened[:40]!r}")
            await ws.send_str("40" + json.dumps({"token": token}))
            while True:
                message = await ws.receive_str()
                if message.startswith("40"):
                    return ws
                if message.startswith("44"):
                    raise ConnectionRefusedError(message[2:])
                if message == "2":
                    await ws.send_str("3")
        except BaseException:
            await ws.close()
            raise

    async def _read(self, index: int, ws) -> None:
        import aiohttp

        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = message.data
                if data == "2":  # engine.io ping: answer, or the server drops the socket
                    await ws.send_str("3")
                elif data.startswith("42"):
                    event, *payload = json.loads(data[2:])
                    with self._lock:
                        self.events[index].append((event, payload[0] if payload else None))
        except Exception:  # noqa: BLE001, S110 - a dropped socket just stops reading
            pass
        finally:
            self.open_now -= 1

    def reached(self, event: str, payload: object) -> int:
        """How many sockets have been pushed ``event`` with ``payload``."""
        with self._lock:
            return sum(1 for got in self.events.values() if (event, payload) in got)

    def close(self) -> None:
        try:
            self._run(self._close_all(), timeout=120)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            if not self._thread.is_alive():
                self.loop.close()

    async def _close_all(self) -> None:
        # Each socket sends a close frame (the server sees the socket go, as when a browser tab
        # closes) and waits at most a second for the answer; all at once.
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in self._sockets), return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        self._sockets.clear()


@dataclass
class Reads:
    samples_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: Counter = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return len(self.samples_ms) / self.seconds if self.seconds else 0.0


@dataclass
class ConnectionsResult:
    server: str
    connections: int
    outcomes: Counter
    rss_before_kb: int
    rss_after_kb: int
    pushed: int  # sockets the push to every member reached
    retries: int  # handshakes tried again (the connect storm, not the holding)
    baseline: Reads
    reads: Reads
    peak_mb: float = 0.0

    @property
    def connected(self) -> int:
        return self.outcomes["connected"]

    @property
    def kb_per_socket(self) -> float:
        return (self.rss_after_kb - self.rss_before_kb) / self.connected if self.connected \
            else 0.0

    @property
    def anomalies(self) -> list[str]:
        out = []
        if self.connected < self.connections:
            out.append("connections: " + ", ".join(
                f"{n} {what}" for what, n in sorted(self.outcomes.items())))
        if self.pushed < self.connected:
            out.append(f"push: reached {self.pushed} of {self.connected} connected sockets "
                       f"within {PUSH_TIMEOUT:.0f} s")
        for name, reads in (("baseline reads", self.baseline), ("reads", self.reads)):
            if reads.failures:
                out.append(f"{name}: " + ", ".join(f"{n}x{why}" for why, n in
                                                   sorted(reads.failures.items())))
        return out


def member_ids_of(db: Database, tokens: list[str]) -> list[int]:
    """The member each API token belongs to, in the tokens' order."""
    digests = [hashlib.sha256(t.encode()).hexdigest() for t in tokens]
    by_digest: dict[str, int] = {}
    with db.engine.connect() as conn:
        for start in range(0, len(digests), 1000):
            chunk = digests[start:start + 1000]
            by_digest.update(conn.execute(select(ApiToken.digest, ApiToken.member_id)
                                          .where(ApiToken.digest.in_(chunk))).tuples().all())
    return [by_digest[d] for d in digests]


def read_phase(base: str, tokens: list[str], total: int) -> Reads:
    """``total`` GET /api/v1/asks?for_me=true from ``len(tokens)`` threads, one member each."""
    reads, lock = Reads(), threading.Lock()
    shares = [total // len(tokens) + (1 if i < total % len(tokens) else 0)
              for i in range(len(tokens))]

    def work(token: str, count: int) -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {token}"
            for _ in range(count):
                if time.perf_counter() > give_up:
                    with lock:
                        reads.failures["not sent: phase over time"] += 1
                    continue
                start = time.perf_counter()
                try:
                    r = http.get(base + "/api/v1/asks", params={"for_me": "true"},
                                 timeout=READ_TIMEOUT)
                    why = None if r.ok else str(r.status_code)
                except requests.RequestException as exc:
                    why = type(exc).__name__
                ms = (time.perf_counter() - start) * 1000
                with lock:
                    if why is None:
                        reads.samples_ms.append(ms)
                    else:
                        reads.failures[why] += 1

    started = time.perf_counter()
    give_up = started + READ_PHASE_LIMIT
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        list(pool.map(work, tokens, shares))
    reads.seconds = time.perf_counter() - started
    return reads


def push_to_all(redis_url: str, channel_prefix: str, member_ids: list[int], marker: str,
                sockets: HeldSockets, expected: int) -> int:
    """Push ``bench.marker`` to every member as the worker pushes (the Redis message queue);
    returns how many sockets it reached within ``PUSH_TIMEOUT``."""
    import redis

    connection = redis.Redis.from_url(redis_url)
    publisher = RedisPushPublisher(redis_url, connection, channel_prefix)
    payload = {"marker": marker}
    try:
        for member_id in member_ids:
            publisher.push(member_id, "bench.marker", payload)
    finally:
        connection.close()
    deadline = time.monotonic() + PUSH_TIMEOUT
    while (reached := sockets.reached("bench.marker", payload)) < expected \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    return reached


def run(database_url: str, redis_url: str, connections: int = 5000, reads: int = 400,
        server: str = "production", env: dict[str, str] | None = None,
        compose: Path = COMPOSE) -> ConnectionsResult:
    raise_fd_limit()
    migrate.upgrade(database_url)
    db = Database(database_url)
    tag, feed = run_tag(), []
    try:
        skip_remembered_asks(db, redis_url)
        tokens = seed_members(db, connections + READERS, skill=tag)
        readers, holders = tokens[:READERS], tokens[READERS:]
        member_ids = member_ids_of(db, holders)
        feed = seed_open_asks(db, FEED_ASKS, tag)
        live = LiveExchange(database_url, redis_url, server=server, env=env, compose=compose)
        with live:
            pid = live.web_pid
            baseline = read_phase(live.url, readers, reads)  # warms the process up, too
            before = rss_kb(pid)
            sockets = HeldSockets(live.url)
            try:
                outcomes = sockets.open(holders)
                time.sleep(1.0)  # let the connect handlers' replays and writes finish
                after = rss_kb(pid)
                while_connected = read_phase(live.url, readers, reads)
                prefix = live.env["EXCHANGE_PUSH_CHANNEL"]
                pushed = push_to_all(redis_url, prefix, member_ids, run_tag(), sockets,
                                     outcomes["connected"])
            finally:
                sockets.close()
        return ConnectionsResult(server, connections, outcomes, before, after, pushed,
                                 sockets.retries, baseline, while_connected, live.peak_mb)
    finally:
        close_asks(db, feed)
        db.dispose()


def rows(result: ConnectionsResult) -> list[Row]:
    """The table rows: the reads while connected, against the same reads with none."""
    base = Row("connections baseline: for_me reads, no socket", f"{READERS} threads",
               result.baseline.samples_ms, result.baseline.per_second)
    return [Row("connections: for_me reads while connected",
                f"{result.connected} sockets", result.reads.samples_ms, result.reads.per_second,
                result.peak_mb, "c", base), base]


def notes(result: ConnectionsResult) -> list[str]:
    where = "docker-compose.yml's web command" if result.server == "production" \
        else "exchange serve"
    lines = [f"connections: {result.connected} of {result.connections} sockets connected to "
             f"{where}; RSS per socket {result.kb_per_socket:.1f} KiB (the web process "
             f"{result.rss_before_kb / 1024:.1f} -> {result.rss_after_kb / 1024:.1f} MiB); a "
             f"push to every member reached {result.pushed} sockets; {result.retries} "
             f"handshakes were tried again after a timeout; reads = GET "
             f"/api/v1/asks?for_me=true from {READERS} threads."]
    lines += [f"connections: ANOMALY {line}" for line in result.anomalies]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("redis_url")
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument("--server", choices=("production", "serve"), default="production")
    parser.add_argument("--compose", type=Path, default=COMPOSE,
                        help="take the production command from this compose file instead "
                             "(docs/decisions/0009-server-mode.md measured the old one so)")
    args = parser.parse_args()
    result = run(args.database_url, args.redis_url, args.connections, args.reads, args.server,
                 compose=args.compose)
    from benchmarks.table import percentile
    print(f"{result.server}: {result.connected}/{result.connections} connected "
          f"({dict(result.outcomes)}), {result.kb_per_socket:.1f} KiB RSS per socket "
          f"({result.rss_before_kb} -> {result.rss_after_kb} KiB), push reached "
          f"{result.pushed}; {result.retries} handshakes retried")
    for name, r in (("baseline", result.baseline), ("while connected", result.reads)):
        if r.samples_ms:
            print(f"  reads {name}: p50 {percentile(r.samples_ms, 50):.1f} ms, p99 "
                  f"{percentile(r.samples_ms, 99):.1f} ms, {r.per_second:.0f}/s, "
                  f"failures {dict(r.failures)}")
        else:
            print(f"  reads {name}: none answered, failures {dict(r.failures)}")
    for line in result.anomalies:
        print(f"  ANOMALY {line}")


if __name__ == "__main__":
    main()
