"""The production topology on loopback, without Docker (issue 13 item 8): docker-compose.yml's
own commands, read from the file — ``migrate`` once, then the ``web`` command (gunicorn) twice
and the ``worker`` command twice — with the compose environment (``EXCHANGE_ENV=production``,
one trusted proxy, a generated secret key and Web Push key, mail through the SMTP fixture),
Redis started with the compose ``redis`` command (AOF, ``everysec``) and a fresh PostgreSQL
database of the test's own with ``deploy/postgres-init.sql`` run on it as the postgres image
runs it (``tests/integration/test_database_roles.py``'s ``deployment``): ``migrate`` connects as
the owner, web and workers as the application's role, as the compose file says. In front,
Debian's nginx running the shipped ``deploy/nginx.conf``.

The proxy configuration is generated from the shipped file with as few replacements as
loopback needs, each asserted to match: the upstream's ``server web:8000;`` becomes the two web
processes, ``listen 80;`` a free loopback port, and nginx's temporary files go to the test's
folder (a process that is not root cannot write Debian's ``/var/lib/nginx``). nginx runs in the
foreground as a child of the test, never as a daemon or a service.

Then, through the proxy only: an asker and a helper join (the helper follows the link in the
verify mail, which starts with ``EXCHANGE_BASE_URL``: the proxy), the helper names a skill and
holds a Socket.IO socket (websocket transport), the asker one that starts on long-polling and
upgrades (it survives only if every request of the handshake reaches the same web process:
sticky sessions), and a whole ask goes by: offered, accepted, delivered, confirmed, thanked —
each push arriving live through nginx — and both ledgers show the minutes.

Both web processes serve: ``ip_hash`` keys on a client's first three address octets, so the
asker and the helper connect from different loopback addresses (127.0.N.1; all of 127/8 is
this machine) chosen so that nginx sends them to different web processes, which each process's
own ``/metrics`` (read on its own port) confirms: the socket gauge, and which process counted
which request. So a request served by one web process pushes to a socket held by the other,
which only the Socket.IO message queue in Redis connects.

Plain HTTP here, as the compose file publishes it (TLS belongs in front: docs/operators.md),
so the API is used with bearer tokens: production's session cookie is ``__Host-`` and
``Secure``, which the test checks, and a client keeps such a cookie for HTTPS only. The app
takes the scheme from the connection, never from ``X-Forwarded-Proto`` (``ProxyFix`` with
``x_proto=0``), so nothing needs faking.

PostgreSQL by nature, whichever backend the rest of the suite runs on (a scratch database and
roles on the local server); the Redis is the test's own.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import requests
import yaml
from cryptography.hazmat.primitives.asymmetric import ec
from prometheus_client.parser import text_string_to_metric_families
from requests.adapters import HTTPAdapter
from rq import Worker
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.live import COMPOSE, free_port, production_command
from exchange import payloads
from exchange.adapters.webpush import raw_private_of
from tests.conftest import PASSWORD
from tests.integration.test_database_roles import SCRIPT
from tests.integration.test_database_roles import deployment as deployment  # the fixture
from tests.realtime.live import Listener
from tests.unit.test_compose import as_deployed, env_of
from tests.waiting import wait_until
from tests.workers.redis_server import RedisServer

pytestmark = pytest.mark.slow

SHIPPED_NGINX = COMPOSE.parent / "deploy" / "nginx.conf"
BIN = Path(sys.executable).parent
WAIT = 60.0  # bounds a hung step on a loaded box; never a measure of speed
STOP_SECONDS = 20.0
NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


# --- the proxy's configuration ------------------------------------------------------------------

def proxy_config(shipped: str, web_ports: list[int], port: int, scratch: Path) -> str:
    """``deploy/nginx.conf`` with only what loopback needs replaced; each replacement must match
    exactly once, so what runs is the shipped file."""
    temp = "".join(f"    {name}_temp_path {scratch / name};\n" for name in NGINX_TEMP)
    replacements = [
        ("server web:8000;", " ".join(f"server 127.0.0.1:{p};" for p in web_ports)),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("\nhttp {\n", "\nhttp {\n" + temp),
    ]
    for old, new in replacements:
        assert shipped.count(old) == 1, f"deploy/nginx.conf should have {old!r} once"
        shipped = shipped.replace(old, new)
    return shipped


def nginx_binary() -> str:
    """Debian's nginx lives in /usr/sbin, which a user's PATH often lacks."""
    found = shutil.which("nginx", path=os.pathsep.join(
        [os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    assert found, "this test needs Debian's nginx (scripts/test installs it: apt-get install nginx)"
    return found


def nginx_command(conf: Path, scratch: Path) -> list[str]:
    error_log = scratch / "error.log"
    main = f"daemon off; pid {scratch / 'nginx.pid'}; error_log {error_log};"
    if os.geteuid() == 0:
        # As root nginx hands its workers to "nobody", who may not enter the test's private
        # tmp folder for temporary files; a user's nginx simply keeps the user.
        main += " user root;"
    return [nginx_binary(), "-p", str(scratch), "-c", str(conf), "-e", str(error_log),
            "-g", main]


# --- the processes ------------------------------------------------------------------------------

def _exchange(command: list[str]) -> list[str]:
    """A compose ``exchange …`` command with this environment's console script."""
    assert command[0] == "exchange", command
    return [str(BIN / "exchange"), *command[1:]]


def environment(services: dict, name: str, operator: dict, roles: dict[str, str],
                redis_url: str) -> dict:
    """Service ``name``'s compose environment as an operator's shell fills it in; the compose
    network's hosts ``postgres`` and ``redis`` are this machine's servers, and the role its
    database URL names (the owner, or the init script's application role) is this test's."""
    env = as_deployed(env_of(services[name]), **operator)
    url = make_url(env["EXCHANGE_DATABASE_URL"])
    assert (url.host, url.port) == ("postgres", 5432) and url.username in roles, url
    assert env["EXCHANGE_REDIS_URL"].startswith("redis://redis:6379/")
    env.update(EXCHANGE_DATABASE_URL=roles[url.username], EXCHANGE_REDIS_URL=redis_url)
    outside = {k: v for k, v in os.environ.items() if not k.startswith(("EXCHANGE_", "FLASK_"))}
    return {**outside, **env}


@dataclass
class Topology:
    root: Path
    base_url: str = ""
    web_ports: list[int] = field(default_factory=list)
    redis_url: str = ""
    redis_dir: Path | None = None
    database_url: str = ""  # what web and workers connect with
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, command: list[str], env: dict | None = None) -> None:
        """``name`` runs in a folder of its own (as each container has its /app)."""
        home = self.root / name
        home.mkdir(parents=True, exist_ok=True)
        with open(self.root / f"{name}.log", "wb") as log:
            self.processes[name] = subprocess.Popen(
                command, env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def log(self, name: str) -> str:
        try:
            return (self.root / f"{name}.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)}" for name in self.processes)

    def wait_healthy(self, name: str, url: str) -> None:
        def healthy() -> bool:
            if self.processes[name].poll() is not None:
                raise AssertionError(f"{name} exited:\n{self.log(name)}")
            try:
                return requests.get(url + "/healthz", timeout=2).ok
            except requests.RequestException:
                return False
        assert wait_until(healthy, timeout=WAIT, every=0.1), f"{name}:\n{self.log(name)}"

    def web_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.web_ports[index]}"

    def metrics(self, index: int) -> dict[tuple[str, frozenset], float]:
        """Web process ``index``'s own /metrics (its own port, from loopback, no proxy)."""
        r = requests.get(self.web_url(index) + "/metrics", timeout=10)
        assert r.status_code == 200, r.text
        return {(s.name, frozenset(s.labels.items())): s.value
                for family in text_string_to_metric_families(r.text) for s in family.samples}

    def sockets(self, index: int) -> int:
        return int(self.metrics(index)[("exchange_connected_sockets", frozenset())])

    def served(self, index: int, method: str, route: str) -> int:
        key = ("exchange_http_request_duration_seconds_count",
               frozenset({("method", method), ("route", route)}))
        return int(self.metrics(index).get(key, 0))

    def stop(self) -> None:
        # nginx first (SIGTERM: its fast shutdown), gunicorn's quick shutdown is SIGINT, the
        # workers stop on SIGTERM; each process group, as RQ forks its scheduler
        for name, proc in reversed(self.processes.items()):
            _signal(proc, signal.SIGINT if name.startswith("web") else signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                _signal(proc, signal.SIGKILL)
                proc.wait(timeout=STOP_SECONDS)


def _signal(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass


@pytest.fixture
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture
def roles(compose, deployment) -> dict[str, str]:
    """The compose file's database roles → this test's: the owner (``POSTGRES_USER``) and the
    application's role (the init script's default name). The database is empty but for the
    init script's grants: the migrate command has all its work to do."""
    owner_url, app_url = deployment
    app_role = re.search(r"\\set app (\S+)", SCRIPT.read_text())[1]
    return {env_of(compose["services"]["postgres"])["POSTGRES_USER"]: owner_url,
            app_role: app_url}


@pytest.fixture
def topology(compose, roles, smtp_server, tmp_path):
    services = compose["services"]
    store = RedisServer(data_dir=tmp_path / "redis", command=services["redis"]["command"])
    store.start()
    running = Topology(tmp_path / "run")
    try:
        running.web_ports = [free_port(), free_port()]
        proxy_port = free_port()
        running.base_url = f"http://127.0.0.1:{proxy_port}"
        running.redis_url, running.redis_dir = store.url, store.data_dir
        operator = dict(EXCHANGE_SECRET_KEY=secrets.token_urlsafe(48),
                        EXCHANGE_SMTP_URL=smtp_server.url, EXCHANGE_BASE_URL=running.base_url,
                        EXCHANGE_VAPID_PRIVATE_KEY=raw_private_of(
                            ec.generate_private_key(ec.SECP256R1())))
        env = {name: environment(services, name, operator, roles, store.url)
               for name in ("migrate", "web", "worker")}
        migrate = subprocess.run(_exchange(services["migrate"]["command"]), env=env["migrate"],
                                 cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        for number, port in enumerate(running.web_ports, 1):
            running.start(f"web{number}", production_command(port), env["web"])
        for number in (1, 2):
            running.start(f"worker{number}", _exchange(services["worker"]["command"]),
                          env["worker"])
        running.database_url = env["web"]["EXCHANGE_DATABASE_URL"]
        for index in (0, 1):
            running.wait_healthy(f"web{index + 1}", running.web_url(index))
        scratch = tmp_path / "nginx"
        scratch.mkdir()
        conf = scratch / "nginx.conf"
        conf.write_text(proxy_config(SHIPPED_NGINX.read_text(), running.web_ports, proxy_port,
                                     scratch))
        running.start("nginx", nginx_command(conf, scratch))
        running.wait_healthy("nginx", running.base_url)
        yield running
    finally:
        running.stop()
        store.stop()


# --- members, through the proxy, each from an address of its own --------------------------------

class FromAddress(HTTPAdapter):
    """Connections from a given local address (``source_address``)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def landing(topology: Topology, address: str) -> int:
    """Which web process nginx sends a client at ``address`` to: the one that counts its
    request (nothing else asks for /healthz once everything is up)."""
    before = [topology.served(i, "GET", "/healthz") for i in (0, 1)]
    assert session_from(address).get(topology.base_url + "/healthz", timeout=10).ok
    after = [topology.served(i, "GET", "/healthz") for i in (0, 1)]
    [index] = [i for i in (0, 1) if after[i] == before[i] + 1]
    return index


def addresses_for_each_web(topology: Topology) -> dict[int, str]:
    """A loopback address that nginx's ip_hash sends to each web process."""
    found: dict[int, str] = {}
    for n in range(1, 64):
        address = f"127.0.{n}.1"
        found.setdefault(landing(topology, address), address)
        if len(found) == 2:
            return found
    raise AssertionError(f"every address landed on one web process: {found}")


@dataclass
class Member:
    topology: Topology
    address: str
    handle: str
    id: int = 0
    token: str = ""
    http: requests.Session = field(init=False)

    def __post_init__(self):
        self.http = session_from(self.address)

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.http.request(method, f"{self.topology.base_url}/api/v1{path}",
                                 headers=headers, timeout=15, **kwargs)

    def join(self) -> Member:
        r = self.call("POST", "/auth/register", json={
            "handle": self.handle, "email": f"{self.handle}@example.org", "password": PASSWORD,
            "display_name": self.handle.title()})
        assert r.status_code == 201, r.text
        r = self.call("POST", "/auth/tokens", json={"login": self.handle, "password": PASSWORD})
        assert r.status_code == 201, r.text
        self.id, self.token = r.json()["member"]["id"], r.json()["token"]
        return self

    def listen(self, transports: list[str]) -> Listener:
        """A Socket.IO client through the proxy from this member's address, sending the
        ``Origin`` a browser on the site sends."""
        port = urlsplit(self.topology.base_url).port
        held = socket.create_connection(("127.0.0.1", port), timeout=15,
                                        source_address=(self.address, 0))
        # websocket-client would add an Origin of its own to ours: one, as a browser sends
        listener = Listener(self.topology.base_url, self.token, self.id, http_session=self.http,
                            websocket_extra_options={"socket": held, "suppress_origin": True})
        return listener.connect(transports=transports,
                                headers={"Origin": self.topology.base_url})


def ok(response: requests.Response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else {}


def verify_link(smtp_server, address: str, base_url: str) -> str:
    def mail():
        return [m for m in smtp_server.messages if list(m.rcpt_tos) == [address]
                and m.message["X-Exchange-Kind"] == "account.verify"]
    assert wait_until(mail, timeout=WAIT), [m.rcpt_tos for m in smtp_server.messages]
    body = mail()[0].message.get_body(("plain",)).get_content()
    [link] = [u for u in re.findall(r"https?://\S+", body) if "/verify?" in u]
    assert link.startswith(base_url + "/verify?token="), link
    return parse_qs(urlsplit(link).query)["token"][0]


# --- the test -----------------------------------------------------------------------------------

def test_an_ask_goes_its_whole_way_through_nginx_two_web_processes_and_two_workers(
        topology, smtp_server):
    store = redis.Redis.from_url(topology.redis_url)
    # the processes the compose file runs are all up, each web process ready on its own port
    workers = {topology.processes[f"worker{n}"].pid for n in (1, 2)}
    assert wait_until(lambda: {w.pid for w in Worker.all(connection=store)} == workers,
                      timeout=WAIT), topology.logs()
    for index in (0, 1):
        ready = wait_until(lambda i=index: requests.get(topology.web_url(i) + "/readyz",
                                                        timeout=10).status_code == 200,
                           timeout=WAIT)
        assert ready, requests.get(topology.web_url(index) + "/readyz", timeout=10).text
    assert store.config_get("appendonly") == {"appendonly": "yes"}
    assert store.config_get("appendfsync") == {"appendfsync": "everysec"}

    at = addresses_for_each_web(topology)
    tag = f"t{uuid.uuid4().hex[:8]}"
    helper = Member(topology, at[0], "helper").join()  # served by web 1
    asker = Member(topology, at[1], "asker").join()  # served by web 2

    # a browser's sign-in: the production cookie, for HTTPS only
    signed_in = helper.http.post(topology.base_url + "/api/v1/auth/login", timeout=15,
                                 json={"login": "helper", "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    [cookie] = [c for c in signed_in.raw.headers.getlist("Set-Cookie")
                if c.startswith("__Host-session=")]
    assert "; Secure" in cookie and "; HttpOnly" in cookie

    # the verify mail went out through a worker; its link starts at the proxy
    token = verify_link(smtp_server, "helper@example.org", topology.base_url)
    ok(helper.http.post(topology.base_url + "/api/v1/auth/email/confirm", timeout=15,
                        json={"token": token}), 204)
    assert ok(helper.call("GET", "/me"))["email_verified"] is True
    ok(helper.call("PATCH", "/me", json={"skills": [tag]}))

    helping = helper.listen(["websocket"])
    asking = asker.listen(["polling", "websocket"])
    try:
        assert wait_until(lambda: asking.client.transport() == "websocket", timeout=WAIT)
        # each socket is held by the web process its member's requests go to
        assert wait_until(lambda: [topology.sockets(0), topology.sockets(1)] == [1, 1],
                          timeout=WAIT), [topology.sockets(0), topology.sockets(1)]

        ask = ok(asker.call("POST", "/asks", json={
            "title": "Read my cover letter once through", "minutes": 20, "tags": [tag]}), 201)
        [offer] = helping.wait_for("ask.offered", timeout=WAIT)  # matched by a worker
        payloads.validate_notification(offer)
        assert offer["data"]["ask"]["id"] == ask["id"]

        ok(helper.call("POST", f"/asks/{ask['id']}/accept"))  # web 1 → the asker's socket on 2
        [accepted] = asking.wait_for("ask.accepted", timeout=WAIT)
        assert accepted["data"]["ask"]["helper"]["handle"] == "helper"
        ok(helper.call("POST", f"/asks/{ask['id']}/deliver"))
        [delivered] = asking.wait_for("ask.delivered", timeout=WAIT)
        assert delivered["data"]["ask"]["id"] == ask["id"]

        ok(asker.call("POST", f"/asks/{ask['id']}/confirm", json={"minutes": 25}))  # web 2 → 1
        [confirmed] = helping.wait_for("ask.confirmed", timeout=WAIT)
        assert confirmed["data"]["ask"]["id"] == ask["id"]
        ok(asker.call("POST", f"/asks/{ask['id']}/thanks",
                      json={"message": "Thank you, it reads better now."}), 201)
        [thanked] = helping.wait_for("thanks.received", timeout=WAIT)
        for note in (accepted, delivered, confirmed, thanked):
            payloads.validate_notification(note)
    finally:
        helping.disconnect()
        asking.disconnect()

    # the minutes, both ways
    assert [(e["ask_id"], e["amount"]) for e in ok(helper.call("GET", "/me/ledger"))["items"]] \
        == [(ask["id"], 25)]
    assert [(e["ask_id"], e["amount"]) for e in ok(asker.call("GET", "/me/ledger"))["items"]] \
        == [(ask["id"], -25)]
    assert ok(helper.call("GET", "/me/balance"))["given_minutes"] == 25
    assert ok(asker.call("GET", "/me/balance"))["received_minutes"] == 25

    # each web process served its member's requests, and only those
    accept_route = "/api/v1/asks/<int(min=1, max=2147483647):ask_id>/accept"
    assert [topology.served(i, "POST", accept_route) for i in (0, 1)] == [1, 0]
    assert [topology.served(i, "POST", "/api/v1/asks") for i in (0, 1)] == [0, 1]
    # web and workers hold their database connections as the application's role only
    app = make_url(topology.database_url)
    admin = create_engine(app.set(username="postgres", database="postgres"))
    with admin.connect() as conn:
        connected = set(conn.scalars(text("SELECT DISTINCT usename FROM pg_stat_activity "
                                          "WHERE datname = :db"), {"db": app.database}))
    admin.dispose()
    assert connected == {app.username}
    # and Redis kept its append-only file as it went
    assert int(store.info("persistence")["aof_enabled"]) == 1
    assert wait_until(lambda: sum(f.stat().st_size for f in topology.redis_dir.rglob("*.aof*"))
                      > 0, timeout=WAIT)
    store.close()
