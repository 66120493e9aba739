"""Request ids, request latency, the security log, ``/readyz`` and ``/metrics`` (CONTRACT §14).

- Each request gets an id: a sane ``X-Request-ID`` from the client (or the proxy) is kept,
  anything else replaced; it is echoed in the response, set on every log line written for the
  request and copied into the jobs the request enqueues (``exchange.adapters.logs``).
- Request latency is observed per route (the URL rule, ``/api/v1/asks/<int:ask_id>``, never the
  raw path, so the label set stays small) into this process's own registry.
- The security log names sign-ins, failed sign-ins, refused authorizations and moderator actions
  by member id, route and outcome (``exchange.security``); what was typed is never written.
  A failed sign-in carries a short hash of the login, so attempts on one account can be
  grouped without writing what was typed (it could be a password in the wrong box).
- ``/readyz`` answers 200 when the database, Redis and a worker (a heartbeat within 60 s) all
  answer, each within ``CHECK_SECONDS``; else 503 naming what failed.
- ``/metrics`` is Prometheus text for operators: with ``EXCHANGE_METRICS_TOKEN`` set, only
  ``Authorization: Bearer <token>`` (401 otherwise); without, only a direct loopback client
  (403 otherwise: a request through a proxy carries ``X-Forwarded-For`` and is refused).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from datetime import UTC, datetime

import redis
from flask import Blueprint, Flask, Response, current_app, g, request, session
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import inspect, text

from exchange.adapters import logs
from exchange.adapters.metrics import SharedCollector, SharedMetrics

ops = Blueprint("ops", __name__)
CHECK_SECONDS = 2.0
HEARTBEAT_SECONDS = 60
LOOPBACK = ("127.0.0.1", "::1")
SIGN_INS = {"auth.Login": "session", "auth.Tokens": "token"}


# --- request id, latency, security log -----------------------------------------------------------

def _start() -> None:
    g.request_id = logs.sane_request_id(request.headers.get("X-Request-ID")) \
        or logs.new_request_id()
    g.ops_tokens = (logs.request_id.set(g.request_id), logs.received_at.set(time.time()))
    g.started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    started = g.get("started")
    metrics = current_app.extensions.get("ops")
    if started is not None and metrics is not None:
        route = request.url_rule.rule if request.url_rule is not None else "(no route)"
        metrics.latency.labels(route=route, method=request.method).observe(
            time.perf_counter() - started)
    _security_lines(response)
    return response


def _forget(_exc=None) -> None:
    tokens = g.pop("ops_tokens", None)
    if tokens:
        try:
            logs.received_at.reset(tokens[1])
            logs.request_id.reset(tokens[0])
        except ValueError:  # another context ran the teardown: leave it to that context
            pass


def _member_id(member) -> int | None:
    """The caller's id without touching the database: after a 503 the request's session is
    closed and the member detached, its attributes expired by the rollback, and reading
    ``member.id`` raised — turning the 503 into an exception (found by the worker-kill test,
    a deadlock answered 503 on an accept)."""
    if member is None:
        return None
    identity = inspect(member).identity
    return identity[0] if identity else None


def _security_lines(response) -> None:
    status, endpoint = response.status_code, request.endpoint or ""
    actor = _member_id(g.get("member"))
    if endpoint in SIGN_INS and request.method == "POST":
        if status < 300:
            body = response.get_json(silent=True) or {}
            signed = (body.get("member") or {}).get("id") or session.get("member_id")
            logs.security("sign_in", member_id=signed, via=SIGN_INS[endpoint],
                          address=request.remote_addr)
        elif status in (401, 429):
            logs.security("sign_in_failed", login_hash=_login_hash(), status=status,
                          address=request.remote_addr)
        return
    if status == 403:
        logs.security("authorization_refused", member_id=actor, method=request.method,
                      route=_route(), status=status, address=request.remote_addr)
    elif request.blueprint == "mod" and request.method != "GET" and status < 300:
        logs.security("moderator_action", member_id=actor, action=endpoint.split(".")[-1],
                      target={k: v for k, v in (request.view_args or {}).items()})


def _route() -> str:
    return request.url_rule.rule if request.url_rule is not None else request.path[:200]


def _login_hash() -> str | None:
    body = request.get_json(silent=True)
    login = body.get("login") if isinstance(body, dict) else None
    if not isinstance(login, str):
        return None
    return hashlib.sha256(login.strip().lower().encode()).hexdigest()[:12]


# --- /readyz -------------------------------------------------------------------------------------

def _bounded(checks: dict, seconds: float) -> dict[str, str]:
    """Run each check in a thread of its own; one not back within ``seconds`` has failed."""
    results: dict[str, str] = {}

    def run(name, check):
        try:
            results[name] = check() or "ok"
        except Exception as exc:  # noqa: BLE001 - a failing part is an answer, not an error
            results[name] = f"failed: {type(exc).__name__}"

    threads = {name: threading.Thread(target=run, args=(name, check), daemon=True)
               for name, check in checks.items()}
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + seconds
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    return {name: results.get(name, f"no answer within {seconds:g} s") for name in checks}


def _database(db):
    def check():
        with db.session(write=False) as s:
            s.execute(text("SELECT 1"))
    return check


def _redis(client):
    def check():
        if client is None:
            return "failed: no Redis configured"
        client.ping()
    return check


def _worker(client):
    def check():
        from rq import Worker
        if client is None:
            return "failed: no Redis configured"
        now = datetime.now(UTC)
        beats = [w.last_heartbeat for w in Worker.all(connection=client) if w.last_heartbeat]
        if not any((now - _aware(beat)).total_seconds() <= HEARTBEAT_SECONDS for beat in beats):
            return f"failed: no worker heartbeat within {HEARTBEAT_SECONDS} s"
    return check


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@ops.get("/readyz")
def ready():
    st, metrics = current_app.extensions["exchange"], current_app.extensions["ops"]
    parts = _bounded({"database": _database(st.db), "redis": _redis(metrics.redis),
                      "worker": _worker(metrics.redis)}, CHECK_SECONDS)
    failing = [name for name, result in parts.items() if result != "ok"]
    body = {"ok": not failing, "parts": parts, "failing": failing}
    return body, (503 if failing else 200)


# --- /metrics ------------------------------------------------------------------------------------

@ops.get("/metrics")
def metrics_text():
    settings = current_app.extensions["exchange"].settings
    refused = _metrics_refusal(settings.metrics_token)
    if refused is not None:
        return refused
    metrics = current_app.extensions["ops"]
    sockets = current_app.extensions.get("sockets")
    metrics.sockets.set(len(sockets.local) if sockets is not None else 0)
    return Response(generate_latest(metrics.registry), mimetype=CONTENT_TYPE_LATEST)


def _metrics_refusal(token: str | None):
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                               token.encode()):
            return None
        return ({"message": "The metrics are for operators: send the metrics token as "
                            "Authorization: Bearer <token>."}, 401,
                {"WWW-Authenticate": "Bearer"})
    if request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers:
        return None
    return {"message": "The metrics are for operators: set EXCHANGE_METRICS_TOKEN to read "
                       "them from another machine."}, 403


class OpsMetrics:
    """This app's registry: its own figures plus the shared ones (when Redis is configured)."""

    def __init__(self, redis_url: str | None):
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "exchange_http_request_duration_seconds", "Time to answer an HTTP request, by "
            "route (the URL rule) and method.", ["route", "method"], registry=self.registry)
        self.sockets = Gauge("exchange_connected_sockets",
                             "Socket.IO clients connected to this web process.",
                             registry=self.registry)
        self.redis = redis.Redis.from_url(redis_url, socket_connect_timeout=1,
                                          socket_timeout=1) if redis_url else None
        if self.redis is not None:
            self.registry.register(SharedCollector(SharedMetrics(self.redis)))


def init_observability(app: Flask, settings) -> None:
    app.extensions["ops"] = OpsMetrics(settings.redis_url)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)  # first: every line has it
    app.after_request(_finish)
    app.teardown_request(_forget)
    app.register_blueprint(ops)
