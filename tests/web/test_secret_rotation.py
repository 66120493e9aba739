"""Rotating the secret key (docs/operations.md): with the retired key in
EXCHANGE_SECRET_KEY_PREVIOUS, browser sessions and links already mailed keep working, and
everything new is signed with the new key alone; a key not listed opens nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from exchange import tokens
from exchange.delivery import links
from exchange.errors import InvalidInput
from tests.conftest import PASSWORD

OLD = "the-key-we-retire-" + "o" * 30
NEW = "the-key-we-use-now-" + "n" * 30


@pytest.fixture
def make_app(settings, db, dispatcher):
    from web import create_app

    def make(secret: str, *previous: str):
        return create_app(replace(settings, secret_key=secret, previous_secret_keys=previous),
                          db=db, dispatcher=dispatcher)
    return make


def _session_cookie(app) -> tuple[str, str]:
    """Signs a member in on ``app`` in the browser's way; the session cookie it set."""
    client = app.test_client()
    client.post("/api/v1/auth/register", json={
        "handle": "rosa", "email": "rosa@example.org", "password": PASSWORD,
        "display_name": "Rosa"})
    r = client.post("/api/v1/auth/login", json={"login": "rosa", "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    assert cookie is not None
    return name, cookie.value


def _home_with(app, name: str, value: str) -> int:
    client = app.test_client()
    client.set_cookie(name, value)
    return client.get("/home").status_code


def test_a_session_signed_with_the_retired_key_stays_signed_in_after_the_rotation(make_app):
    name, value = _session_cookie(make_app(OLD))
    assert _home_with(make_app(NEW, OLD), name, value) == 200


def test_without_the_retired_key_listed_that_session_is_signed_out(make_app):
    name, value = _session_cookie(make_app(OLD))
    assert _home_with(make_app(NEW), name, value) == 302


def test_a_link_mailed_before_the_rotation_still_works(make_app, settings, api):
    member = api.member("reader")
    url = links.unsubscribe(replace(settings, secret_key=OLD), member_id=member["id"],
                            kinds=["ask.offered"])
    token = url.split("token=", 1)[1]
    rotated = make_app(NEW, OLD).test_client()
    r = rotated.post("/api/v1/mail/unsubscribe", query_string={"token": token})
    assert r.status_code == 204
    unlisted = make_app(NEW).test_client()
    r = unlisted.post("/api/v1/mail/unsubscribe", query_string={"token": token})
    assert r.status_code == 422 and r.get_json()["errors"]["json"]["token"]


def test_what_is_signed_after_the_rotation_is_signed_with_the_new_key_alone(settings):
    rotated = replace(settings, secret_key=NEW, previous_secret_keys=(OLD,))
    token = links.unsubscribe(rotated, member_id=1, kinds=["ask.offered"]).split("token=", 1)[1]
    assert tokens.read((NEW,), "unsubscribe", token)["m"] == 1
    with pytest.raises(InvalidInput):
        tokens.read((OLD,), "unsubscribe", token)


def test_a_page_opened_before_the_rotation_can_still_send_its_form(make_app):
    old = make_app(OLD)
    name, value = _session_cookie(old)
    page = old.test_client()
    page.set_cookie(name, value)
    csrf = _csrf_of(page.get("/profile").get_data(as_text=True))
    page_after = make_app(NEW, OLD).test_client()
    page_after.set_cookie(name, value)
    r = page_after.patch("/api/v1/me", json={"bio": "Happy to read drafts."},
                         headers={"X-CSRFToken": csrf})
    assert r.status_code == 200, r.get_json()
    unlisted = make_app(NEW).test_client()
    unlisted.set_cookie(name, value)
    r = unlisted.patch("/api/v1/me", json={"bio": "x"}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 401  # signed out: the session itself is no longer readable


def test_a_forged_csrf_token_is_still_refused_after_the_rotation(make_app):
    name, value = _session_cookie(make_app(OLD))
    client = make_app(NEW, OLD).test_client()
    client.set_cookie(name, value)
    r = client.patch("/api/v1/me", json={"bio": "x"}, headers={"X-CSRFToken": "forged.token"})
    assert r.status_code == 400 and r.get_json()["reason"] == "csrf"


def _csrf_of(html: str) -> str:
    import re
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
