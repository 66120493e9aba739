"""A live ``exchange serve`` subprocess, and a Socket.IO client that records what it is pushed.

Every wait here is bounded polling (``tests.waiting.wait_until``, re-exported for the tests): a
test waits *until* something happened (or gives up after a few seconds and lets its assertion
fail), never *for* a fixed time.
"""

from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import engineio
import redis
import requests
import socketio

from tests.waiting import wait_until

EXCHANGE = Path(sys.executable).with_name("exchange")
START_TIMEOUT = 60.0  # a loaded CI box can take a while to import the app
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``exchange serve --port N`` in a subprocess; ``restart`` keeps the port."""

    def __init__(self, env: dict, log_path: Path):
        self.env, self.log_path = env, log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(EXCHANGE), "serve", "--port", str(self.port)], env=self.env,
                stdout=log, stderr=subprocess.STDOUT)
        if not wait_until(self._healthy, timeout=START_TIMEOUT, every=0.05):
            self.stop()
            raise RuntimeError(f"exchange serve did not come up:\n{self.log_path.read_text()}")
        return self

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"exchange serve exited:\n{self.log_path.read_text()}")
        try:
            return requests.get(self.url + "/healthz", timeout=1).ok
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)

    def restart(self) -> LiveServer:
        self.stop()
        return self.start()

    def call(self, who, method: str, path: str, **kwargs) -> requests.Response:
        headers = dict(who["headers"]) if who else {}
        return requests.request(method, f"{self.url}/api/v1{path}", headers=headers,
                                timeout=15, **kwargs)


def token_of(who) -> str:
    return who["headers"]["Authorization"].split(" ", 1)[1]


def server_env(*, database_url: str, redis_url: str, channel: str, instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXCHANGE_")}
    env.update(EXCHANGE_ENV="test", EXCHANGE_DATABASE_URL=database_url,
               EXCHANGE_REDIS_URL=redis_url, EXCHANGE_PUSH_CHANNEL=channel,
               EXCHANGE_INSTANCE_DIR=str(instance), EXCHANGE_RATE_LIMITS="off",
               EXCHANGE_WAVE_SIZE="2", EXCHANGE_WAVE_SECONDS="1", EXCHANGE_MAX_WAVES="2")
    return env


class Listener:
    """One member's Socket.IO client; ``events`` is every (event, payload) pushed to it.
    ``client_options`` go to ``socketio.Client`` (e.g. an ``http_session``)."""

    def __init__(self, url: str, token: str | None, member_id: int | None = None,
                 **client_options):
        self.url, self.token, self.member_id = url, token, member_id
        self.events: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self.client = socketio.Client(reconnection=False, **client_options)
        self._tap(self.client.eio)

    def _tap(self, eio) -> None:
        """Record events in the order they come off the wire. The engine.io client hands each
        message to its handlers on a thread of its own, so handlers can run out of order; its
        read loop, which this wraps, sees packets in the order the server sent them."""
        receive = eio._receive_packet

        def record(pkt):
            if pkt.packet_type == engineio.packet.MESSAGE and isinstance(pkt.data, str):
                sio_pkt = socketio.packet.Packet(encoded_packet=pkt.data)
                if sio_pkt.packet_type == socketio.packet.EVENT:
                    event, *data = sio_pkt.data
                    with self._lock:
                        self.events.append((event, data[0] if data else None))
            return receive(pkt)

        eio._receive_packet = record

    def connect(self, since: int = 0, url: str | None = None, **kwargs) -> Listener:
        auth = {"since": since} if self.token is None else {"token": self.token, "since": since}
        self.client.connect(url or self.url, auth=auth, wait_timeout=15, **kwargs)
        return self

    def disconnect(self) -> None:
        if not self.client.connected:
            self.let_go()
            return
        ws = getattr(self.client.eio, "ws", None)
        if ws is not None:
            # The engine.io client closes its WebSocket and then waits up to 3 s for a close
            # frame that its own read loop has usually consumed already; the CLOSE packet that
            # tells the server has gone out before this, so there is nothing to wait for.
            ws.close = functools.partial(ws.close, timeout=0.2)
        self.client.disconnect()

    def let_go(self) -> None:
        """After the server dropped this socket: close what the engine.io client keeps open (it
        closes its WebSocket only when it disconnects itself, never after a dropped one)."""
        ws = getattr(self.client.eio, "ws", None)
        if not self.client.connected and ws is not None:
            ws.shutdown()

    @property
    def connected(self) -> bool:
        return self.client.connected

    def received(self, kind: str | None = None) -> list[dict]:
        with self._lock:
            return [data for event, data in self.events if kind is None or event == kind]

    def notes(self, kind: str) -> list[dict]:
        """Notifications of ``kind``, each once (the server sends each once per socket; clients
        still keep ids, as the API guide tells them, and this is what one would do)."""
        seen: dict[int, dict] = {}
        for payload in self.received(kind):
            seen.setdefault(payload["id"], payload)
        return list(seen.values())

    def kinds(self) -> list[str]:
        with self._lock:
            return [event for event, _ in self.events]

    def last_id(self) -> int:
        return max(p["id"] for p in self.received() if isinstance(p.get("id"), int))

    def cursor(self) -> int:
        """What a client resumes from (docs/api.md): the id of the notification it handled
        with the highest ``seq`` — its member's latest in commit order, not the highest id."""
        notes = [p for p in self.received()
                 if isinstance(p, dict) and isinstance(p.get("seq"), int)]
        return max(notes, key=lambda p: p["seq"])["id"] if notes else 0

    def wait_for(self, kind: str, count: int = 1, timeout: float = 8.0) -> list[dict]:
        """The distinct notifications of ``kind`` once ``count`` are in (or time is up)."""
        wait_until(lambda: len(self.notes(kind)) >= count, timeout)
        return self.notes(kind)


def settle(listener: Listener, publisher, timeout: float = 8.0) -> bool:
    """Push a marker to the listener's member and wait for it: pushes travel one Redis channel
    and each web process relays them in order, so once the marker is in, every push published
    before it that was going to reach this socket has reached it."""
    marker = f"m{time.monotonic_ns()}"
    publisher.push(listener.member_id, "test.marker", {"marker": marker})
    return wait_until(lambda: {"marker": marker} in listener.received("test.marker"), timeout)


def close_all(listeners: list[Listener], timeout: float = 10.0) -> None:
    """Disconnect clients side by side (fifty one after another add up)."""
    threads = [threading.Thread(target=listener.disconnect) for listener in listeners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)


def cut_subscribers(redis_url) -> None:
    """Drop every pub/sub connection on this test database (only this run's servers use it),
    as a Redis restart would."""
    connection = redis.Redis.from_url(redis_url)
    db = connection.connection_pool.connection_kwargs["db"]
    ids = {c["id"] for c in connection.client_list() if int(c["db"]) == db and int(c["sub"])}
    for client_id in ids:
        connection.client_kill_filter(_id=client_id)
    assert wait_until(lambda: not ids & {c["id"] for c in connection.client_list()})
    connection.close()
