"""The production command holds many sockets and still answers (issue 11, item 1).

docker-compose.yml's ``web`` command is read from the file and started as it is (gunicorn,
bound to a free port on loopback: ``benchmarks.live.production_command``), on this run's test
database and Redis. 300 Socket.IO clients connect — three times the 100 the old threaded
command could hold, at which point it answered no HTTP at all — and while they are connected
``/healthz`` and an API read answer, and a push to every member reaches every socket.
``exchange serve``, which development runs, is held to the same with fewer sockets.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from benchmarks.connections import HeldSockets, member_ids_of, push_to_all, raise_fd_limit
from benchmarks.live import LiveExchange, production_command, seed_members

pytestmark = pytest.mark.slow


def _threads(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))


@pytest.mark.parametrize(("server", "sockets"), [("production", 300), ("serve", 120)])
def test_the_web_process_holds_many_sockets_and_still_answers(server, sockets, database_url, db,
                                                               redis_url, tmp_path):
    raise_fd_limit()
    tokens = seed_members(db, sockets + 1)
    member_ids = member_ids_of(db, tokens)
    reader, holders = tokens[0], tokens[1:]
    channel = f"test-{uuid.uuid4().hex}"
    live = LiveExchange(database_url, redis_url, worker=False, server=server, env={
        "EXCHANGE_PUSH_CHANNEL": channel, "EXCHANGE_INSTANCE_DIR": str(tmp_path / "instance"),
        "FLASK_SKIP_DOTENV": "1"})
    with live:
        held = HeldSockets(live.url)
        try:
            outcomes = held.open(holders)
            assert outcomes == {"connected": sockets}, live.log(live.server if server == "serve"
                                                               else "web")
            assert requests.get(live.url + "/healthz", timeout=10).ok
            feed = requests.get(live.url + "/api/v1/asks", params={"for_me": "true"},
                                headers={"Authorization": f"Bearer {reader}"}, timeout=10)
            assert feed.status_code == 200 and "items" in feed.json()
            # a greenlet per socket, not a thread: the threaded modes ran ~4 threads a socket
            assert _threads(live.web_pid) < sockets / 4
            reached = push_to_all(redis_url, channel, member_ids[1:], uuid.uuid4().hex, held,
                                  sockets)
            assert reached == sockets
            assert held.open_now == sockets  # nobody was dropped meanwhile
        finally:
            held.close()


def test_the_bench_and_this_test_start_what_docker_compose_says():
    command = production_command(8123)
    assert command[command.index("--worker-class") + 1] == "gevent"
    assert command[command.index("--bind") + 1] == "127.0.0.1:8123"
    assert command[-1] == "web.wsgi:app"
