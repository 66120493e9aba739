"""The pages account mail leads to, as the server renders them (the browser suite drives them
in tests/e2e/test_accounts.py): open to anyone, each a shell started by its module, sending no
Referer that could carry the link's token away."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.mark.parametrize("path,page", [("/forgot", "forgot"), ("/reset?token=abc", "reset"),
                                       ("/verify?token=abc", "verify")])
def test_the_pages_from_account_mail_open_for_anyone(client, path, page):
    r = client.get(path)
    assert r.status_code == 200 and f'data-page="{page}"'.encode() in r.data
    assert b'name="csrf-token"' in r.data


@pytest.mark.parametrize("path", ["/reset?token=abc", "/verify?token=abc"])
def test_a_page_opened_from_a_link_sends_no_referer(client, path):
    assert b'<meta name="referrer" content="no-referrer">' in client.get(path).data


def test_the_reset_page_shows_the_password_rules_before_they_bite(client):
    body = client.get("/reset?token=abc").get_data(as_text=True)
    assert "At least 10 characters" in body and 'minlength="10"' in body


def test_the_sign_in_page_offers_a_way_back_in(client):
    assert b'href="/forgot">Forgot your password?</a>' in client.get("/signin").data


def test_a_signed_in_member_may_open_a_link_too(api):
    api.member("sam")
    api.client.post("/api/v1/auth/login", json={"login": "sam", "password": PASSWORD})
    r = api.client.get("/verify?token=abc")
    assert r.status_code == 200 and b"Back to the exchange" in r.data


def test_the_profile_page_has_a_place_for_your_email(api):
    api.member("sam")
    api.client.post("/api/v1/auth/login", json={"login": "sam", "password": PASSWORD})
    body = api.client.get("/profile").get_data(as_text=True)
    assert 'id="account"' in body and 'id="change-email"' in body
