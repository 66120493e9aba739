"""Security headers and cookies (CONTRACT §14, ``web.security``): a strict policy on every
page, nosniff and a same-origin referrer everywhere; in production HSTS and a ``__Host-``
session cookie that is Secure, HttpOnly and SameSite; other origins refused unless listed."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from werkzeug.http import parse_set_header

from tests.conftest import PASSWORD

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
PAGES = ["/", "/signin", "/join", "/forgot", "/reset", "/verify", "/offer/accept", "/unsubscribe"]
API = "/api/v1/auth/csrf"


def directives(response) -> dict[str, list[str]]:
    found = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        found[name] = values
    return found


@pytest.fixture
def production_app(settings, db, dispatcher):
    from web import create_app
    production = replace(settings, env="production", secret_key="s" * 48,
                         smtp_url="smtp://127.0.0.1:25", base_url="https://exchange.example.org")
    return create_app(production, db=db, dispatcher=dispatcher)


def session_cookie(client, response):
    header = [h for h in response.headers.getlist("Set-Cookie") if "session=" in h]
    assert header, response.headers
    return header[0]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_allows_scripts_from_its_own_origin_only(client, path):
    policy = directives(client.get(path))
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_may_be_framed(client, path):
    assert directives(client.get(path))["frame-ancestors"] == ["'none'"]


def test_no_page_embeds_plugins_or_moves_its_base(client):
    policy = directives(client.get("/signin"))
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]


def test_the_socket_may_connect_to_the_same_host_only(client):
    policy = directives(client.get("/signin", headers={"Host": "exchange.example.org"}))
    assert policy["connect-src"] == ["'self'", "ws://exchange.example.org",
                                     "wss://exchange.example.org"]


@pytest.mark.parametrize("path", PAGES + [API, "/healthz", "/sw.js"])
def test_every_response_says_nosniff(client, path):
    assert client.get(path).headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", PAGES + [API])
def test_every_response_keeps_the_referrer_to_this_site(client, path):
    assert client.get(path).headers["Referrer-Policy"] == "same-origin"


def test_an_error_page_carries_the_headers_too(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_outside_production_there_is_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/signin").headers


def test_outside_production_the_session_cookie_is_plain_session(client):
    cookie = session_cookie(client, client.get("/signin"))
    assert cookie.startswith("session=") and "Secure" not in cookie


def test_production_asks_browsers_for_https_for_a_year(production_app):
    r = production_app.test_client().get("/signin")
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_production_names_the_session_cookie_with_the_host_prefix(production_app):
    client = production_app.test_client()
    assert session_cookie(client, client.get("/signin")).startswith("__Host-session=")


def test_production_session_cookie_is_secure(production_app):
    client = production_app.test_client()
    assert "; Secure" in session_cookie(client, client.get("/signin"))


def test_production_session_cookie_is_http_only(production_app):
    client = production_app.test_client()
    assert "; HttpOnly" in session_cookie(client, client.get("/signin"))


def test_production_session_cookie_is_same_site(production_app):
    client = production_app.test_client()
    assert "; SameSite=Lax" in session_cookie(client, client.get("/signin"))


def test_production_session_cookie_is_for_the_whole_host_and_no_other(production_app):
    client = production_app.test_client()
    cookie = session_cookie(client, client.get("/signin"))
    assert "; Path=/" in cookie and "Domain=" not in cookie


def test_the_csrf_token_rides_in_the_host_prefixed_session_cookie(production_app, db):
    """Flask-WTF keeps the CSRF token in the session: a sign-in through the production cookie
    and an unsafe request with the token both work, and no other cookie carries it."""
    from tests.conftest import Api
    client, https = production_app.test_client(), "https://exchange.example.org"
    Api(production_app.test_client()).member("ada")
    r = client.post("/api/v1/auth/login", json={"login": "ada", "password": PASSWORD},
                    base_url=https)
    assert r.status_code == 200, r.get_json()
    names = {h.split("=", 1)[0] for h in r.headers.getlist("Set-Cookie")}
    assert "__Host-session" in names and "session" not in names
    token = r.get_json()["csrf_token"]
    # Over HTTPS Flask-WTF also wants a same-site Referer: Referrer-Policy same-origin sends it.
    page = {"Referer": https + "/home"}
    r = client.post("/api/v1/auth/logout", headers={"X-CSRFToken": "forged", **page},
                    base_url=https)
    assert r.status_code == 400
    r = client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token, **page},
                    base_url=https)
    assert r.status_code == 204, r.get_json()


def test_no_template_has_an_inline_script():
    inline = []
    for template in TEMPLATES.rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text(), flags=re.I):
            if not re.search(r"\bsrc\s*=", tag, flags=re.I):
                inline.append(f"{template.name}: {tag}")
    assert inline == []


def test_no_template_has_an_inline_event_handler():
    found = [f"{t.name}: {m}" for t in TEMPLATES.rglob("*.html")
             for m in re.findall(r"<[^>]*\son[a-z]+\s*=", t.read_text(), flags=re.I)]
    assert found == []


def test_the_template_check_would_catch_an_inline_script(tmp_path):
    page = "<p>hi</p><script>alert(1)</script><script src='/x.js'></script>"
    tags = [t for t in re.findall(r"<script\b[^>]*>", page, flags=re.I)
            if not re.search(r"\bsrc\s*=", t, flags=re.I)]
    assert tags == ["<script>"]


# --- origins: the API answers other origins only when they are listed ------------------------

def test_a_foreign_origin_gets_no_cors_grant(client):
    r = client.get(API, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_a_listed_origin_may_read_the_api(settings, db, dispatcher):
    from web import create_app
    app = create_app(replace(settings, allowed_origins=("https://app.example.org",)), db=db,
                     dispatcher=dispatcher)
    r = app.test_client().get(API, headers={"Origin": "https://app.example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "Origin" in parse_set_header(r.headers.get("Vary"))


def test_a_listed_origin_is_answered_its_preflight(settings, db, dispatcher):
    from web import create_app
    app = create_app(replace(settings, allowed_origins=("https://app.example.org",)), db=db,
                     dispatcher=dispatcher)
    r = app.test_client().options("/api/v1/asks", headers={
        "Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "X-CSRFToken" in r.headers["Access-Control-Allow-Headers"]


def _handshake(client, origin: str):
    return client.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": origin})


def test_the_socket_handshake_refuses_a_foreign_origin(client):
    r = _handshake(client, "https://evil.example")
    assert r.status_code == 400
    assert b"Not an accepted origin" in r.data


def test_the_socket_handshake_takes_the_sites_own_origin(client):
    r = _handshake(client, "http://localhost")
    assert r.status_code == 200 and r.data.startswith(b"0{")


def test_the_socket_handshake_takes_a_listed_origin(settings, db, dispatcher):
    from web import create_app
    app = create_app(replace(settings, allowed_origins=("https://app.example.org",)), db=db,
                     dispatcher=dispatcher)
    assert _handshake(app.test_client(), "https://app.example.org").status_code == 200
    assert _handshake(app.test_client(), "https://other.example.org").status_code == 400
