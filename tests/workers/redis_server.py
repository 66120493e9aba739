"""A redis-server of the test's own, on a free port, that a test may stop and start again.

The shared Redis (6379) serves every helper's tests, so stopping it is never an option; this
one lives and dies with the test that started it, and keeps its port across a restart so the
clients already built around its URL find it again. Given ``data_dir`` it keeps an append-only
file there (``appendfsync always``: every write is on disk before Redis answers), so a restart
after ``kill`` (SIGKILL) comes back with its data, or without it after ``wipe``. Given
``command`` (a whole redis-server command line, such as docker-compose.yml's) it runs that, with
only the port, the loopback address and ``data_dir`` added.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import redis

from tests.waiting import wait_until

START_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self, port: int | None = None, data_dir: Path | None = None,
                 command: list[str] | None = None):
        if command is not None and data_dir is None:
            raise ValueError("a redis-server command needs a data_dir to keep its files in")
        self.port = port or free_port()
        self.data_dir = data_dir
        self.command = command
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        program, *options = self.command or ["redis-server"]
        binary = shutil.which(program)
        assert binary, f"these tests need a {program} on PATH"
        if self.command is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            arguments = [*options, "--port", str(self.port), "--bind", "127.0.0.1",
                         "--dir", str(self.data_dir), "--daemonize", "no"]
        else:
            persistence = ["--appendonly", "no"]
            if self.data_dir is not None:
                self.data_dir.mkdir(parents=True, exist_ok=True)
                persistence = ["--appendonly", "yes", "--appendfsync", "always",
                               "--dir", str(self.data_dir)]
            arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                         *persistence, "--daemonize", "no"]
        self.process = subprocess.Popen(
            [binary, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_until_it_answers()
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=START_TIMEOUT)
        self.process = None

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine would: no save, no goodbye."""
        self.process.kill()
        self.process.wait(timeout=START_TIMEOUT)
        self.process = None

    def wipe(self) -> None:
        """Forget everything kept on disk (between ``kill`` and ``start``): back empty."""
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _wait_until_it_answers(self) -> None:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                if self.process.poll() is not None:  # it died: say so now, not at the deadline
                    raise
                return False
        try:
            if not wait_until(answers, timeout=START_TIMEOUT):
                raise TimeoutError(f"redis-server on port {self.port} did not answer")
        finally:
            client.close()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
