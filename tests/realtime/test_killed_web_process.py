"""A web process SIGKILLed under connected clients: they reconnect and replay, and every
notification reaches them exactly once (issue 13, item 4).

docker-compose.yml's web command (gunicorn's gevent worker, ``web.wsgi:app``) runs on a free
loopback port, on this run's database, Redis and push channel, in a process group of its own.
Members connect real python-socketio clients that reconnect by themselves, each time with its
resume cursor (``auth`` is read again at every attempt: the id of the notification with the
highest ``seq`` it has handled, docs/api.md). Notifications are written through the app
(messages on matched asks; each becomes a ``message.new`` notification, pushed through Redis)
before the kill, in the moment of it, while no web process runs, and after a new one is
started on the same port. Each client's received notifications are then compared with the
notifications table: every row once, none missing, none twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading

import pytest
import socketio
from sqlalchemy import select

from benchmarks.live import production_command
from exchange.notifications.models import Notification
from tests.realtime.live import (
    Listener,
    LiveServer,
    close_all,
    server_env,
    settle,
    token_of,
    wait_until,
)

pytestmark = pytest.mark.slow

PAIRS = 3
WAIT = 60.0


class ProductionServer(LiveServer):
    """The production command; ``kill`` SIGKILLs its whole group (arbiter and worker)."""

    def start(self) -> ProductionServer:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(production_command(self.port), env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        if not wait_until(self._healthy, timeout=WAIT, every=0.05):
            self.stop()
            raise RuntimeError(f"gunicorn did not come up:\n{self.log_path.read_text()}")
        return self

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(WAIT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.kill()


class Reconnecting(Listener):
    """A client as an app would run one: it reconnects by itself, with its cursor."""

    def __init__(self, url: str, token: str, member_id: int):
        super().__init__(url, token, member_id)
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.2,
                                      reconnection_delay_max=1, randomization_factor=0)
        self._tap(self.client.eio)
        self.connects = 0
        self.client.on("connect", self._connected)

    def _connected(self) -> None:
        self.connects += 1

    def connect(self, since: int = 0, url: str | None = None, **kwargs) -> Reconnecting:
        self.client.connect(url or self.url, wait_timeout=15, **kwargs,
                            auth=lambda: {"token": self.token, "since": self.cursor()})
        return self


@pytest.fixture
def production(database_url, db, redis_url, push_channel, tmp_path):
    env = {**server_env(database_url=database_url, redis_url=redis_url, channel=push_channel,
                        instance=tmp_path / "instance"), "FLASK_SKIP_DOTENV": "1"}
    server = ProductionServer(env, tmp_path / "web.log")
    yield server.start()
    server.stop()


def _say(job_api, who, ask_id: int, body: str) -> None:
    r = job_api.call(who, "POST", f"/asks/{ask_id}/messages", json={"body": body})
    assert r.status_code == 201, r.get_json()


def _stored(db, member_id: int) -> list[int]:
    with db.session(write=False) as s:
        return list(s.scalars(select(Notification.id).where(
            Notification.member_id == member_id, Notification.kind == "message.new")))


def _pushed(listener) -> list[int]:
    """Every ``message.new`` as it came off the wire, repeats included."""
    return [p["id"] for p in listener.received("message.new")]


def test_clients_of_a_killed_web_process_reconnect_and_miss_nothing_and_get_nothing_twice(
        job_api, production, publisher, db):
    pairs = [(job_api.member(f"asker{i}"), job_api.member(f"helper{i}")) for i in range(PAIRS)]
    asks = [job_api.matched(asker, helper)["id"] for asker, helper in pairs]
    clients = [Reconnecting(production.url, token_of(asker), asker["id"]).connect()
               for asker, _ in pairs]
    try:
        def say_all(word: str) -> None:
            for (_, helper), ask_id in zip(pairs, asks, strict=True):
                _say(job_api, helper, ask_id, word)

        say_all("before")
        assert wait_until(lambda: all(_pushed(c) for c in clients), WAIT)

        # In the moment of the kill: messages written while the process dies, from a thread
        talk = threading.Thread(target=lambda: [say_all(f"meanwhile{n}") for n in range(3)])
        talk.start()
        production.kill()
        talk.join(WAIT)
        assert wait_until(lambda: not any(c.connected for c in clients), WAIT)
        say_all("while down")

        production.start()  # the same port
        assert wait_until(lambda: all(c.connected and c.connects == 2 for c in clients), WAIT), \
            production.log_path.read_text()[-5000:]
        say_all("after")

        for client in clients:
            stored = _stored(db, client.member_id)
            assert len(stored) == 1 + 3 + 1 + 1
            assert wait_until(lambda c=client, s=stored: set(_pushed(c)) >= set(s), WAIT), \
                (_pushed(client), stored)
            assert settle(client, publisher, WAIT)  # anything still on its way is in by now
            assert sorted(_pushed(client)) == sorted(stored)  # each once: none lost, none twice
    finally:
        close_all(clients)
