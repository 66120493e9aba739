"""Keeps one job worker running beside ``exchange serve`` in the embedded mode.

The worker is a separate process (``python -m workers``), exactly as in production, so jobs
never run on the web server's threads. If it dies it is started again, with a short backoff.

It runs in a process group of its own: RQ forks a scheduler from the worker, and a worker that
is killed outright leaves that scheduler running, so stopping signals the whole group. The own
group also keeps Ctrl+C at the terminal from reaching the worker behind our back: the web
process stops it once, with SIGTERM (a second signal would make RQ abandon a running job).
"""

from __future__ import annotations

import logging
import os
import signal
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
        self._lock = threading.Lock()  # no restart can slip in while stop() runs
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor",
                                        daemon=True)

    def start(self) -> WorkerSupervisor:
        self._spawn()
        self._thread.start()
        return self

    def _spawn(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "workers"], env=self.env,
                                        start_new_session=True)

    def _watch(self) -> None:
        while not self._stop.wait(self.backoff):
            with self._lock:
                if self._stop.is_set() or self.process is None \
                        or self.process.poll() is None:
                    continue
                log.warning("the job worker exited (%s); starting it again",
                            self.process.returncode)
                self._signal_group(signal.SIGKILL)  # a scheduler it left behind
                self.restarts += 1
                self._spawn()

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stop.set()
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self._signal_group(signal.SIGKILL)  # whatever outlived the warm shutdown
        self.process.wait()

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass  # the worker and everything it started are gone already
