"""Live Socket.IO fixtures: ``exchange serve`` subprocesses on the test database and Redis,
clients that record their pushes, and the in-process job fixtures on the same push channel.

A web process takes seconds to start, so the realtime tests share one (``server``); a test that
needs a second process starts one with ``serve()``. Between tests the
tables are emptied and Redis flushed as usual; the servers keep no state of their own beyond
their sockets, which every test closes.
"""

from __future__ import annotations

from uuid import uuid4

import pytest

from exchange.adapters.push import RedisPushPublisher
from exchange.adapters.rq_jobs import connect
from tests.contracts.conftest import job_api, job_app, job_settings, rt, run_jobs  # noqa: F401
from tests.realtime.live import Listener, LiveServer, close_all, server_env
from tests.workers.conftest import REDIS_URL, redis_url  # noqa: F401


@pytest.fixture(scope="session")
def push_channel() -> str:
    return f"test-{uuid4().hex}"


@pytest.fixture(scope="session")
def serve(database_url, db, push_channel, tmp_path_factory):
    """``serve()`` starts one more web process (``serve(EXCHANGE_X="…")`` with settings of its
    own); all are stopped at the end of the run."""
    home = tmp_path_factory.mktemp("live")
    env = server_env(database_url=database_url, redis_url=REDIS_URL, channel=push_channel,
                     instance=home / "instance")
    started: list[LiveServer] = []

    def start(**overrides: str) -> LiveServer:
        server = LiveServer({**env, **overrides}, home / f"server{len(started)}.log")
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def server(serve) -> LiveServer:
    return serve()


@pytest.fixture
def listen(server, redis_url):  # noqa: F811 - flushed before the clients connect
    """``listen(who)`` connects a client for a member (``who`` from ``job_api.member``)."""
    clients: list[Listener] = []

    def make(who, since: int = 0, url: str | None = None, connect_now: bool = True) -> Listener:
        listener = Listener(url or server.url, token_of(who), member_id=who["id"])
        clients.append(listener)
        return listener.connect(since) if connect_now else listener

    yield make
    close_all(clients)


def token_of(who) -> str:
    return who["headers"]["Authorization"].split(" ", 1)[1]


@pytest.fixture
def publisher(redis_url, push_channel):  # noqa: F811
    pub = RedisPushPublisher(redis_url, connect(redis_url), prefix=push_channel)
    yield pub
    pub._redis.close()
