"""The embedded valkey-server: reachable, persistent, loopback-only, and gone after stop."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import redis
import rq

from exchange.adapters.embedded_redis import EmbeddedRedis

LOOPBACK_HEX = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


@pytest.fixture
def embedded(tmp_path):
    server = EmbeddedRedis(tmp_path)
    yield server
    server.stop()


def _connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5)


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie awaiting its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _listening_addresses(port: int) -> set[str]:
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                addresses.add(address)
    return addresses


def test_start_returns_a_loopback_url_that_answers_ping(embedded):
    url = embedded.start()

    assert url.startswith("redis://127.0.0.1:") and url.endswith("/0")
    assert _connect(url).ping() is True


def test_the_server_keeps_its_data_under_the_instance_folder(embedded, tmp_path):
    url = embedded.start()

    assert _connect(url).config_get("dir")["dir"] == str((tmp_path / "redis").resolve())


def test_the_append_only_file_is_on_and_synced_every_second(embedded):
    config = _connect(embedded.start()).config_get("append*")

    assert (config["appendonly"], config["appendfsync"]) == ("yes", "everysec")


def test_the_server_is_in_protected_mode(embedded):
    assert _connect(embedded.start()).config_get("protected-mode")["protected-mode"] == "yes"


def test_the_server_listens_on_loopback_only(embedded):
    url = embedded.start()
    port = redis.connection.parse_url(url)["port"]

    assert _listening_addresses(port) == {LOOPBACK_HEX}


def test_data_written_survives_a_stop_and_a_fresh_start(tmp_path):
    with EmbeddedRedis(tmp_path) as first:
        _connect(first.url).set("greeting", "thank you")

    with EmbeddedRedis(tmp_path) as second:
        assert _connect(second.url).get("greeting") == b"thank you"


def test_a_restart_keeps_the_same_url(tmp_path):
    with EmbeddedRedis(tmp_path) as first:
        url = first.url

    with EmbeddedRedis(tmp_path) as second:
        assert second.url == url


def test_stop_leaves_no_server_process_behind(embedded):
    embedded.start()
    pid = embedded.pid

    embedded.stop()

    assert not _running(pid)


def test_starting_twice_returns_the_same_server(embedded):
    first_url, first_pid = embedded.start(), embedded.pid

    assert (embedded.start(), embedded.pid) == (first_url, first_pid)


def test_a_second_starter_shares_the_server_and_leaves_it_running_on_stop(embedded, tmp_path):
    url = embedded.start()
    sharer = EmbeddedRedis(tmp_path)

    assert sharer.start() == url
    sharer.stop()
    assert _connect(url).ping() is True


def test_a_server_left_by_a_process_that_died_is_adopted_and_stopped(tmp_path):
    # os._exit skips every exit hook, as a crash or a SIGKILL would: the server is orphaned.
    script = textwrap.dedent(
        """
        import os, sys
        from pathlib import Path
        from exchange.adapters.embedded_redis import EmbeddedRedis
        server = EmbeddedRedis(Path(sys.argv[1]))
        print(server.start(), server.pid, flush=True)
        os._exit(0)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    orphan_url, orphan_pid = done.stdout.split()
    orphan_pid = int(orphan_pid)
    adopter = EmbeddedRedis(tmp_path)
    try:
        assert (adopter.start(), adopter.pid) == (orphan_url, orphan_pid)
        adopter.stop()
        assert not _running(orphan_pid)
    finally:
        if _running(orphan_pid):
            os.kill(orphan_pid, signal.SIGTERM)


def test_an_rq_job_runs_against_the_embedded_server(embedded):
    connection = _connect(embedded.start())
    queue = rq.Queue("embedded-redis-test", connection=connection)
    job = queue.enqueue("operator.add", 2, 3)

    rq.SimpleWorker([queue], connection=connection).work(burst=True)

    assert job.return_value(refresh=True) == 5
