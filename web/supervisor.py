"""Keeps one job worker running beside ``exchange serve`` in the embedded mode.

The worker is a separate process (``python -m workers``), exactly as in production, so jobs
never run on the web server's threads. If it dies it is started again, with a short backoff.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

log = logging.getLogger(__name__)


class WorkerSupervisor:
    def __init__(self, env: dict[str, str] | None = None, *, backoff: float = 1.0):
        self.env = {**os.environ, **(env or {})}
        self.backoff = backoff
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor",
                                        daemon=True)

    def start(self) -> WorkerSupervisor:
        self._spawn()
        self._thread.start()
        return self

    def _spawn(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "workers"], env=self.env)

    def _watch(self) -> None:
        while not self._stop.wait(self.backoff):
            if self.process is not None and self.process.poll() is not None:
                log.warning("the job worker exited (%s); starting it again",
                            self.process.returncode)
                self.restarts += 1
                self._spawn()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
