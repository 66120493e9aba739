"""A live exchange for the benchmarks: ``exchange serve`` and ``exchange worker`` subprocesses
on the given database and Redis, plus members with API tokens seeded by direct inserts.

The bench server runs with rate limits off (``EXCHANGE_RATE_LIMITS=off``), ``EXCHANGE_ENV=test``
and a push channel of its own, so it never pushes into a running exchange's channel. Each
process gets a session of its own: Ctrl+C at the terminal reaches only the bench, which then
stops them (the worker's whole group, since RQ forks its scheduler from it). Stopping reaps
each process with ``wait4`` and keeps its ``ru_maxrss``: the scenario's peak memory.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
import requests
from sqlalchemy import func, insert, select, text, update

from benchmarks.table import maxrss_mb
from exchange.asks.models import Ask, AskTag
from exchange.clock import utcnow
from exchange.db import Database
from exchange.members.models import ApiToken, Member, MemberSkill

BIN = Path(sys.executable).parent
COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
SERVERS = ("serve", "production")
START_TIMEOUT = 60.0  # a loaded box can take a while to import the app
STOP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_tag() -> str:
    """A tag nobody else has, so one run's asks are matched only within that run."""
    return f"bench-{uuid.uuid4().hex[:10]}"


def seed_members(db: Database, count: int, *, skill: str | None = None,
                 capacity: int = 10) -> list[str]:
    """``count`` active members with an API token each (and ``skill``); returns the tokens."""
    tokens = [f"exk_{secrets.token_urlsafe(24)}" for _ in range(count)]
    tag = uuid.uuid4().hex[:8]
    with db.engine.begin() as conn:
        ids = conn.execute(insert(Member).returning(Member.id, sort_by_parameter_order=True), [
            {"handle": f"b{tag}{i}", "display_name": f"Bench {i}", "email": f"b{tag}{i}@x.org",
             "capacity": capacity} for i in range(count)]).scalars().all()
        if skill:
            conn.execute(insert(MemberSkill), [{"member_id": m, "tag": skill} for m in ids])
        conn.execute(insert(ApiToken), [
            {"member_id": m, "digest": hashlib.sha256(t.encode()).hexdigest()}
            for m, t in zip(ids, tokens, strict=True)])
    return tokens


def seed_open_asks(db: Database, count: int, tag: str) -> list[int]:
    """``count`` open asks by one new member (something for the feed to show)."""
    with db.engine.begin() as conn:
        author = conn.execute(insert(Member).returning(Member.id), {
            "handle": f"f{uuid.uuid4().hex[:12]}", "display_name": "Bench feed",
            "email": f"f{uuid.uuid4().hex[:12]}@x.org"}).scalar_one()
        now = utcnow()
        ids = conn.execute(insert(Ask).returning(Ask.id, sort_by_parameter_order=True), [
            {"author_id": author, "title": f"Bench feed ask {i}", "details": "", "minutes": 15,
             "mode": "online", "status": "open", "created_at": now, "updated_at": now}
            for i in range(count)]).scalars().all()
        conn.execute(insert(AskTag), [{"ask_id": a, "tag": tag} for a in ids])
    return list(ids)


def analyze(db: Database) -> None:
    """Fresh statistics after bulk seeding, as autovacuum would give a live deployment: a
    planner that believes the tables empty walks every open ask before taking a page."""
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def close_asks(db: Database, ids: list[int]) -> None:
    """Cancel asks the bench seeded directly, so they leave no open work behind."""
    if ids:
        with db.engine.begin() as conn:
            conn.execute(update(Ask).where(Ask.id.in_(ids), Ask.status == "open")
                         .values(status="cancelled", updated_at=utcnow(), closed_at=utcnow()))


# Jobs whose ids carry an ask id (``exchange/handlers.py``, ``workers/reminders.py``).
ASK_JOB = re.compile(rb"^rq:job:(?:match|expire|autoconfirm|plan|remind)-(\d+)(?:-|$)")


def skip_remembered_asks(db: Database, redis_url: str) -> int:
    """Make the next ask id one that Redis has no jobs for; returns the id skipped to (or 0).

    Job ids are derived from ask ids (``match-{ask}-{round}-{wave}``, ``expire-{ask}``, …) and
    enqueued as unique. After a reset the database hands out ask ids from 1 again, and a Redis
    that remembers an earlier run's jobs (finished ones for an hour, scheduled ones until they
    run) would take the new asks' jobs for duplicates: they would never be matched. So when
    Redis remembers a higher ask id than the database has, a cancelled placeholder ask takes
    that id (and PostgreSQL's sequence moves past it), and new asks come after it."""
    client = redis.Redis.from_url(redis_url)
    try:
        remembered = max((int(m[1]) for key in client.scan_iter(match="rq:job:*", count=1000)
                          if (m := ASK_JOB.match(key))), default=0)
    finally:
        client.close()
    with db.engine.begin() as conn:
        if remembered <= (conn.scalar(select(func.max(Ask.id))) or 0):
            return 0
        now, handle = utcnow(), f"p{uuid.uuid4().hex[:12]}"
        author = conn.execute(insert(Member).returning(Member.id), {
            "handle": handle, "display_name": "Bench placeholder",
            "email": f"{handle}@x.org"}).scalar_one()
        conn.execute(insert(Ask), {
            "id": remembered, "author_id": author, "title": "Bench placeholder ask",
            "details": "", "minutes": 15, "mode": "online", "status": "cancelled",
            "created_at": now, "updated_at": now, "closed_at": now})
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('asks', 'id'), "
                              "GREATEST(:n, nextval(pg_get_serial_sequence('asks', 'id'))))"),
                         {"n": remembered})
    return remembered


def production_command(port: int, compose: Path = COMPOSE) -> list[str]:
    """docker-compose.yml's ``web`` command (gunicorn), bound to 127.0.0.1:``port`` instead of
    the container's 0.0.0.0:8000, with this environment's gunicorn and without gunicorn's
    control socket (one fixed path in $HOME, which gunicorns running side by side on one
    machine would take from each other). Read from the file each time, so what the bench
    measures is what the deployment runs."""
    import yaml  # a dev dependency, as the bench is a development tool

    command = list(yaml.safe_load(compose.read_text())["services"]["web"]["command"])
    if command[0] != "gunicorn" or "--bind" not in command:
        raise RuntimeError(f"{compose}: the web command is not a gunicorn --bind command: "
                           f"{command}")
    command[0] = str(BIN / "gunicorn")
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command.insert(-1, "--no-control-socket")
    return command


def worker_pids(pid: int) -> list[int]:
    """The child processes of ``pid`` (gunicorn's workers under its arbiter)."""
    children: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        return []
    return children


class LiveExchange:
    """``with LiveExchange(db_url, redis_url) as live:`` — ``live.url`` serves the API.

    ``server="serve"`` runs ``exchange serve``; ``server="production"`` runs docker-compose.yml's
    web command (gunicorn, ``production_command``) as the process named ``web``."""

    def __init__(self, database_url: str, redis_url: str, *, worker: bool = True,
                 env: dict[str, str] | None = None, server: str = "serve",
                 compose: Path = COMPOSE):
        if server not in SERVERS:
            raise ValueError(f"server must be one of {SERVERS}, not {server!r}")
        self.server, self.compose = server, compose
        self.port = free_port()
        self.env = {**os.environ, "EXCHANGE_ENV": "test", "EXCHANGE_DATABASE_URL": database_url,
                    "EXCHANGE_REDIS_URL": redis_url, "EXCHANGE_RATE_LIMITS": "off",
                    "EXCHANGE_PUSH_CHANNEL": f"bench-{uuid.uuid4().hex}",
                    "EXCHANGE_WAVE_SECONDS": "600", **(env or {})}
        self.with_worker = worker
        self.logs = Path(tempfile.mkdtemp(prefix="exchange-bench-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.peak_mb = 0.0  # the largest ru_maxrss among the stopped processes

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveExchange:
        try:
            if self.server == "production":
                self._spawn_command("web", production_command(self.port, self.compose))
            else:
                self._spawn("serve", "serve", "--port", str(self.port))
            if self.with_worker:
                self._spawn("worker", "worker")
            self._wait()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _spawn(self, name: str, *args: str) -> None:
        self._spawn_command(name, [str(BIN / "exchange"), *args])

    def _spawn_command(self, name: str, command: list[str]) -> None:
        with open(self.logs / f"{name}.log", "wb") as log:
            self.processes[name] = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    @property
    def web_pid(self) -> int:
        """The pid that serves the requests: ``exchange serve`` itself, or gunicorn's (one)
        worker under its arbiter."""
        if self.server == "serve":
            return self.processes["serve"].pid
        arbiter = self.processes["web"].pid
        deadline = time.monotonic() + START_TIMEOUT
        while not (children := worker_pids(arbiter)) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not children:
            raise RuntimeError(f"gunicorn ({arbiter}) has no worker process")
        return children[0]

    def _wait(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"exchange {name} exited ({proc.returncode}):\n"
                                       f"{self.log(name)}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        name = "web" if self.server == "production" else "serve"
        raise RuntimeError(f"the {name} process did not come up in {START_TIMEOUT:.0f} s:\n"
                           f"{self.log(name)}")

    def log(self, name: str, tail: int = 4000) -> str:
        try:
            return (self.logs / f"{name}.log").read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def stop(self) -> None:
        for name, proc in self.processes.items():
            # gunicorn: SIGINT is its quick shutdown (SIGTERM waits up to 30 s for every open
            # websocket to end); exchange serve and the worker stop cleanly on SIGTERM.
            _signal_group(proc, signal.SIGINT if name == "web" else signal.SIGTERM)
        for proc in self.processes.values():
            self.peak_mb = max(self.peak_mb, _reap(proc))
        self.processes.clear()
        shutil.rmtree(self.logs, ignore_errors=True)  # a failed start quoted them already


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, sig)  # its own session: the group is the process and its forks
        except ProcessLookupError:
            pass


def _reap(proc: subprocess.Popen) -> float:
    """Wait for ``proc`` (SIGKILL after STOP_TIMEOUT) and return its peak RSS in MB.

    ``wait4`` gives the child's own rusage: ``ru_maxrss`` is its resident-set high-water mark
    (including any children it reaped), the per-process form of ``RUSAGE_CHILDREN``."""
    if proc.returncode is not None:
        return 0.0
    deadline = time.monotonic() + STOP_TIMEOUT
    while True:
        try:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        except ChildProcessError:
            return 0.0
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return maxrss_mb(usage.ru_maxrss)
        if time.monotonic() > deadline:
            _signal_group(proc, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.05)
