"""Verifying an address: the link sent again on request, one page for either link, confirming
twice is fine, stale and forged links are explained — and asking is never gated on it."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from exchange import tokens
from exchange.clock import utcnow
from tests.accounts.mail import token, verified_member
from tests.web.api_routes import set_member


def confirm(api, value: str):
    return api.client.post("/api/v1/auth/email/confirm", json={"token": value})


def test_asking_for_the_link_again_sends_a_fresh_one_that_works(job_api, run_jobs, mailbox):
    sam = job_api.member("sam")
    run_jobs()
    r = job_api.call(sam, "POST", "/me/email/verify")
    assert r.status_code == 202
    assert r.get_json()["email_verified"] is False and "sent the link again" in \
        r.get_json()["message"]
    run_jobs()
    first, second = mailbox.messages("sam@example.org")
    assert first["Message-ID"] != second["Message-ID"]
    assert confirm(job_api, token(second)).status_code == 204
    assert job_api.call(sam, "GET", "/me").get_json()["email_verified"] is True


def test_a_verified_address_is_told_so_and_sent_nothing(job_api, run_jobs, mailbox):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    r = job_api.call(sam, "POST", "/me/email/verify")
    assert r.status_code == 200 and r.get_json()["email_verified"] is True
    assert "confirmed already" in r.get_json()["message"]
    run_jobs()
    assert len(mailbox.messages("sam@example.org")) == 1


def test_confirming_twice_is_fine(job_api, run_jobs, mailbox):
    job_api.member("sam")
    run_jobs()
    link = token(mailbox.last("sam@example.org"))
    assert [confirm(job_api, link).status_code for _ in range(2)] == [204, 204]


def test_a_link_for_an_address_the_member_no_longer_uses_is_explained(
        job_api, run_jobs, mailbox, make_uow):
    sam = job_api.member("sam")
    run_jobs()
    set_member(make_uow, sam["id"], email="sam@elsewhere.org")
    r = confirm(job_api, token(mailbox.last("sam@example.org")))
    assert r.status_code == 422 and r.get_json()["reason"] == "token_used"
    assert "no longer uses" in r.get_json()["errors"]["json"]["token"][0]
    assert job_api.call(sam, "GET", "/me").get_json()["email_verified"] is False


def test_a_verification_link_expires_after_a_week(job_api, run_jobs, mailbox):
    job_api.member("sam")
    run_jobs()
    link = token(mailbox.last("sam@example.org"))
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1), tick=False):
        r = confirm(job_api, link)
    assert r.status_code == 422 and r.get_json()["reason"] == "token_expired"
    assert r.get_json()["errors"]["json"]["token"] == ["This link has expired."]


def test_a_forged_or_foreign_link_is_refused_on_the_token_field(job_api, settings):
    sam = job_api.member("sam")
    forged = tokens.sign("not-our-secret", "verify", {"m": sam["id"], "a": "sam@example.org"})
    other_purpose = tokens.sign(settings.secret_key, "unsubscribe",
                                {"m": sam["id"], "a": "sam@example.org"})
    for value in (forged, other_purpose, "x" * 40):
        r = confirm(job_api, value)
        assert r.status_code == 422 and "token" in r.get_json()["errors"]["json"], value
    assert job_api.call(sam, "GET", "/me").get_json()["email_verified"] is False


def test_a_link_for_an_account_that_closed_no_longer_works(job_api, run_jobs, mailbox):
    sam = job_api.member("sam")
    run_jobs()
    assert job_api.call(sam, "DELETE", "/me").status_code == 204
    r = confirm(job_api, token(mailbox.last("sam@example.org")))
    assert r.status_code == 422 and "closed" in r.get_json()["message"]


def test_a_deleted_member_is_sent_no_verification_link(job_api, run_jobs, mailbox):
    sam = job_api.member("sam")
    job_api.call(sam, "DELETE", "/me")
    run_jobs()
    assert mailbox.messages() == []


def test_asking_and_helping_never_wait_on_a_verified_address(job_api):
    sam = job_api.member("sam")
    assert job_api.call(sam, "GET", "/me").get_json()["email_verified"] is False
    ask = job_api.ask(sam)
    helper = job_api.member("robin")
    r = job_api.call(helper, "POST", f"/asks/{ask['id']}/accept")
    assert r.status_code == 200, r.get_json()
