"""`exchange serve` with nothing configured is a complete exchange: it runs the embedded
valkey-server and a supervised job worker, an ask posted over HTTP reaches a matching helper,
and SIGTERM takes the whole family down — no server or worker left behind."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.waiting import wait_until

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
WAIT_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie awaiting its reaper counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _descendants(pid: int) -> dict[int, str]:
    """Every live process below `pid`, with its command line."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = {}, {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        for child in frontier:
            try:
                found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(
                    b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
    return found


def _eventually(check):
    return wait_until(check, timeout=WAIT_SECONDS, every=0.1)


class Http:
    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, body: dict | None = None,
             token: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + "/api/v1" + path, data=data,
                                         method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.load(error)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def member(self, handle: str) -> str:
        status, body = self.call("POST", "/auth/register", {
            "handle": handle, "email": f"{handle}@example.org", "password": PASSWORD,
            "display_name": handle.title()})
        assert status == 201, body
        status, body = self.call("POST", "/auth/tokens", {"login": handle, "password": PASSWORD})
        assert status == 201, body
        return body["token"]


@pytest.fixture
def served(tmp_path):
    """`exchange serve` on a fresh instance folder: no database or Redis URL, development."""
    port, log, instance = _free_port(), tmp_path / "serve.log", tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXCHANGE_", "FLASK_"))}
    env.update(EXCHANGE_ENV="development", EXCHANGE_INSTANCE_DIR=str(instance),
               EXCHANGE_WAVE_SECONDS="600", FLASK_SKIP_DOTENV="1")
    script = Path(sys.executable).with_name("exchange")
    with log.open("wb") as out:
        proc = subprocess.Popen([str(script), "serve", "--port", str(port)], cwd=tmp_path,
                                env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    http = Http(f"http://127.0.0.1:{port}")
    try:
        if not _eventually(lambda: proc.poll() is not None or http.healthy()) \
                or proc.poll() is not None:
            pytest.fail(f"exchange serve never became healthy:\n{log.read_text()}")
        yield proc, http, instance, log
    finally:
        # Whatever the test did, leave nothing of this serve running.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                pass


def _offered(http: Http, token: str) -> bool:
    status, body = http.call("GET", "/notifications", token=token)
    assert status == 200, body
    return any(item["kind"] == "ask.offered" for item in body["items"])


def _worker_pids(serve_pid: int) -> list[int]:
    return [pid for pid, cmd in _descendants(serve_pid).items() if "-m workers" in cmd]


def test_an_ask_posted_over_http_is_offered_to_the_helper(served):
    _, http, _, log = served
    asker, helper = http.member("asker"), http.member("helper")
    status, body = http.call("PATCH", "/me", {"skills": ["python"]}, token=helper)
    assert status == 200, body

    status, body = http.call("POST", "/asks", {"title": "Read one paragraph of my essay",
                                               "minutes": 15, "tags": ["python"]}, token=asker)
    assert status == 201, body

    assert _eventually(lambda: _offered(http, helper)), log.read_text(errors="replace")


def test_with_no_mail_server_set_up_mail_is_written_under_the_instance_folder(served):
    _, http, instance, log = served
    http.member("newcomer")  # joining sends the link that verifies the address
    mail = instance / "mail"
    assert _eventually(lambda: mail.exists() and list(mail.glob("*.eml"))), \
        log.read_text(errors="replace")
    [eml] = mail.glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "newcomer@example.org"
    text = message.get_body(("plain",)).get_content()
    assert f"{http.base}/verify?token=" in text  # links point where serve listens
    assert str(eml) in log.read_text(errors="replace")  # and the path is logged


def test_sigterm_stops_serve_its_valkey_server_and_its_worker(served):
    proc, _, instance, log = served
    # The worker and the scheduler RQ forks from it: both must go.
    workers = _eventually(lambda: len(_worker_pids(proc.pid)) >= 2 and _worker_pids(proc.pid))
    state = json.loads((instance / "redis" / "embedded-redis.json").read_text())
    assert workers, log.read_text(errors="replace")
    assert _running(state["pid"])

    proc.send_signal(signal.SIGTERM)

    assert proc.wait(timeout=WAIT_SECONDS) == 0
    leftovers = [pid for pid in (state["pid"], *workers) if _running(pid)]
    assert leftovers == [], log.read_text(errors="replace")
