"""Request ids, log lines, the security log, ``/readyz`` and ``/metrics`` access
(``web.observability``, ``exchange.adapters.logs``). With a real worker: tests/workers/
test_operations.py."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace

import pytest
from sqlalchemy import select

from exchange.adapters import logs
from exchange.config import ConfigError, Settings
from exchange.members.admin import set_role
from exchange.members.models import Member
from tests.conftest import PASSWORD

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}


# --- request ids -------------------------------------------------------------------------------

def test_every_response_names_its_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first.headers["X-Request-ID"]) == 32
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept(client):
    r = client.get("/healthz", headers={"X-Request-ID": "from-the-proxy-42"})
    assert r.headers["X-Request-ID"] == "from-the-proxy-42"


@pytest.mark.parametrize("given", ["short", "x" * 65, "has space in it", "quote\"injected1"])
def test_an_odd_incoming_request_id_is_replaced(client, given):
    r = client.get("/healthz", headers={"X-Request-ID": given})
    assert r.headers["X-Request-ID"] != given and len(r.headers["X-Request-ID"]) == 32


def test_a_job_enqueued_by_a_request_carries_its_id(job_api, rt):
    ada = job_api.member("ada")
    r = job_api.client.post("/api/v1/asks", headers={**ada["headers"], "X-Request-ID": "rid-12345"},
                            json={"title": "Read one paragraph of my essay", "minutes": 15})
    assert r.status_code == 201
    job = rt.jobs.queue("matching").jobs[0]
    assert job.meta["request_id"] == "rid-12345"
    assert isinstance(job.meta["received_at"], float)


# --- log lines -----------------------------------------------------------------------------------

def _one_line(fmt: str, rid: str) -> str:
    stream, level = io.StringIO(), logging.getLogger().level
    logs.configure_logging(fmt, stream=stream)
    tokens = [(logs.request_id, logs.request_id.set(rid))]
    try:
        logging.getLogger("exchange.test").info("wave sent", extra={"ask_id": 7})
    finally:
        for var, token in tokens:
            var.reset(token)
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_exchange", False)]:
            root.removeHandler(handler)
        root.setLevel(level)
    return stream.getvalue()


@pytest.mark.parametrize("fmt,per_job_lines", [("plain", False), ("json", True)])
def test_rqs_per_job_lines_reach_json_logs_but_not_a_console(fmt, per_job_lines):
    """RQ logs four INFO lines per job (and per minute's sweep): kept for a log store (json),
    kept off the console of someone running `exchange serve` (plain)."""
    import rq.worker  # noqa: F401 - RQ sets its worker logger to INFO on import
    names = ("rq", "rq.worker", "rq.job", "rq.scheduler")
    before = {n: logging.getLogger(n).level for n in names}
    text = ""
    try:
        stream = io.StringIO()
        logs.configure_logging(fmt, stream=stream)
        logging.getLogger("rq.worker").info("Job OK (match-1-0-1)")
        logging.getLogger("rq.worker").warning("moved to FailedJobRegistry")
        text = stream.getvalue()
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_exchange", False)]:
            root.removeHandler(handler)
        for n, level in before.items():
            logging.getLogger(n).setLevel(level)
    assert ("Job OK" in text) is per_job_lines
    assert "FailedJobRegistry" in text  # a warning always shows


def test_json_logs_are_one_object_per_line_with_the_request_id():
    text = _one_line("json", "rid-abcdefgh")
    assert text.count("\n") == 1
    line = json.loads(text)
    assert line["message"] == "wave sent" and line["ask_id"] == 7
    assert line["request_id"] == "rid-abcdefgh" and line["level"] == "info"


def test_plain_logs_name_the_request_id_too():
    text = _one_line("plain", "rid-abcdefgh")
    assert "wave sent" in text and "request=rid-abcdefgh" in text and "ask_id=7" in text


def test_the_log_format_is_a_setting():
    base = {"EXCHANGE_ENV": "test"}
    assert Settings.from_env(base).log_format == "plain"
    assert Settings.from_env({**base, "EXCHANGE_LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(ConfigError):
        Settings.from_env({**base, "EXCHANGE_LOG_FORMAT": "xml"})


# --- the security log ----------------------------------------------------------------------------

@pytest.fixture
def security_lines(caplog):
    caplog.set_level(logging.INFO, logger="exchange.security")
    formatter = logs.JsonFormatter()

    def lines() -> list[dict]:
        return [json.loads(formatter.format(r)) for r in caplog.records
                if r.name == "exchange.security"]
    return lines


def test_a_sign_in_is_logged_with_the_member_and_no_secret(api, client, security_lines, caplog):
    ada = api.member("ada")
    r = client.post("/api/v1/auth/login", json={"login": "ada", "password": PASSWORD})
    assert r.status_code == 200
    found = [line for line in security_lines() if line["event"] == "sign_in"]
    assert {(line["member_id"], line["via"]) for line in found} >= {(ada["id"], "session"),
                                                                   (ada["id"], "token")}
    token = ada["headers"]["Authorization"].split()[1]
    text = "\n".join(json.dumps(line) for line in security_lines()) + caplog.text
    assert PASSWORD not in text and token not in text


def test_a_failed_sign_in_is_logged_without_what_was_typed(api, client, security_lines, caplog):
    api.member("ada")
    r = client.post("/api/v1/auth/login", json={"login": "ada", "password": "my secret guess"})
    assert r.status_code == 401
    failed = [line for line in security_lines() if line["event"] == "sign_in_failed"]
    assert len(failed) == 1 and len(failed[0]["login_hash"]) == 12
    text = json.dumps(failed) + caplog.text
    assert "my secret guess" not in text and '"ada"' not in text


def test_a_refused_authorization_is_logged(api, security_lines):
    ada, bea = api.member("ada"), api.member("bea")
    ask = api.ask(ada)
    r = api.call(bea, "POST", f"/asks/{ask['id']}/cancel")
    assert r.status_code == 403
    refused = [line for line in security_lines() if line["event"] == "authorization_refused"]
    assert refused and refused[-1]["member_id"] == bea["id"]
    assert refused[-1]["route"].startswith("/api/v1/asks/<int")


def test_a_moderator_action_is_logged(api, make_uow, security_lines):
    mod, tess = api.member("mod"), api.member("tess")
    with make_uow() as uow:
        set_role(uow, member=uow.session.scalar(select(Member).where(Member.handle == "mod")),
                 role="moderator")
        uow.commit()
    r = api.call(mod, "POST", "/mod/members/tess/suspend",
                 json={"days": 3, "reason": "Repeated rude messages"})
    assert r.status_code == 200, r.get_json()
    actions = [line for line in security_lines() if line["event"] == "moderator_action"]
    assert actions == [{**actions[0], "member_id": mod["id"], "action": "suspend",
                        "target": {"handle": "tess"}}]
    assert tess["id"] != mod["id"]


# --- /readyz -------------------------------------------------------------------------------------

def test_readyz_names_the_worker_when_none_is_running(job_app):
    r = job_app.test_client().get("/readyz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["failing"] == ["worker"]
    assert body["parts"]["database"] == "ok" and body["parts"]["redis"] == "ok"


def test_readyz_names_redis_when_it_cannot_be_reached(settings, db, dispatcher):
    from web import create_app
    unreachable = replace(settings, redis_url="redis://127.0.0.1:9/0")  # the discard port
    app = create_app(unreachable, db=db, dispatcher=dispatcher)
    r = app.test_client().get("/readyz")
    assert r.status_code == 503
    body = r.get_json()
    assert "redis" in body["failing"] and body["parts"]["redis"].startswith("failed")
    assert body["parts"]["database"] == "ok"


def test_readyz_names_redis_when_none_is_configured(client):
    r = client.get("/readyz")
    assert r.status_code == 503 and "redis" in r.get_json()["failing"]


def test_healthz_stays_a_plain_liveness_check(client):
    assert client.get("/healthz").status_code == 200


# --- /metrics access -----------------------------------------------------------------------------

def test_metrics_answer_loopback_when_no_token_is_set(client):
    r = client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert b"exchange_http_request_duration_seconds" in r.data


def test_metrics_refuse_another_machine_when_no_token_is_set(client):
    assert client.get("/metrics", environ_overrides=ELSEWHERE).status_code == 403


def test_metrics_refuse_loopback_through_a_proxy_when_no_token_is_set(client):
    r = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert r.status_code == 403


@pytest.fixture
def token_client(settings, db, dispatcher):
    from web import create_app
    app = create_app(replace(settings, metrics_token="m" * 32), db=db, dispatcher=dispatcher)
    return app.test_client()


def test_metrics_answer_the_bearer_of_the_token_from_anywhere(token_client):
    r = token_client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32},
                         environ_overrides=ELSEWHERE)
    assert r.status_code == 200


def test_metrics_refuse_a_wrong_token(token_client):
    r = token_client.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


def test_metrics_refuse_loopback_without_the_token_once_one_is_set(token_client):
    assert token_client.get("/metrics").status_code == 401


def test_request_latency_is_labelled_by_route_not_path(api, client):
    ada = api.member("ada")
    for _ in range(2):
        api.ask(ada)
    ask = api.ask(ada)
    assert api.call(ada, "GET", f"/asks/{ask['id']}").status_code == 200
    text = client.get("/metrics").data.decode()
    assert 'route="/api/v1/asks/<int(min=1, max=2147483647):ask_id>"' in text
    assert f"/api/v1/asks/{ask['id']}" not in text
    assert 'exchange_http_request_duration_seconds_count{method="POST",route="/api/v1/asks"} 3.0' \
        in text
