"""Real `exchange worker` processes for tests: start one, find its children, end it.

Each worker gets a session of its own: RQ forks its scheduler from the worker, and ending the
process group ends both, even when a test has killed the worker outright.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import redis

from tests.waiting import wait_until

WAIT_SECONDS = 60


def exchange_script() -> str:
    return str(Path(sys.executable).with_name("exchange"))


def worker_env(database_url: str, redis_url: str, tmp_path: Path, **extra: str) -> dict:
    return {**os.environ, "EXCHANGE_ENV": "test", "EXCHANGE_DATABASE_URL": database_url,
            "EXCHANGE_REDIS_URL": redis_url, "EXCHANGE_WAVE_SECONDS": "1",
            "EXCHANGE_WAVE_SIZE": "2", "EXCHANGE_MAX_WAVES": "2", "EXCHANGE_RATE_LIMITS": "off",
            "EXCHANGE_INSTANCE_DIR": str(tmp_path / "instance"), **extra}


def start_worker(env: dict, log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen([exchange_script(), "worker"], env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)


def end_group(process: subprocess.Popen) -> None:
    """SIGTERM to the worker and its scheduler; SIGKILL to whatever outlives the wait."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            pass


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def blocked_in_blpop(redis_url: str) -> int:
    """How many clients of this Redis database wait in BLPOP (an idle worker does)."""
    client = redis.Redis.from_url(redis_url)
    try:
        db = client.connection_pool.connection_kwargs.get("db", 0)
        return sum(1 for c in client.client_list()
                   if c.get("cmd") == "blpop" and "b" in c.get("flags", "")
                   and int(c.get("db", -1)) == db)
    finally:
        client.close()


def eventually(check, seconds: float = WAIT_SECONDS) -> bool:
    """Poll ``check`` until it holds or the deadline passes: waits on an event, never a time."""
    return bool(wait_until(check, timeout=seconds, every=0.05))
