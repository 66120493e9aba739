"""Every kind of email the exchange sends, received by a real SMTP server and read as a mail
client would: both parts, the headers every message carries, an opt-out where one is allowed —
and every link in it followed by a plain HTTP client against a live ``exchange serve``.

The flows run through the in-process app and a real in-process RQ worker whose mailer speaks
SMTP to ``smtp_server``; links start with the live server's address (``EXCHANGE_BASE_URL``),
which shares the database, so following them is what a member's click would do. The clock is
moved past the mail delay between steps, so each step's news is a message of its own.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import update

from exchange.adapters.mail import SmtpMailer
from exchange.members.models import Member
from exchange.notifications import preferences
from tests.conftest import PASSWORD

pytestmark = pytest.mark.slow
LINK = re.compile(r"https?://[^\s<>\"]+")
DELAY = 120


@pytest.fixture
def world(job_settings, rt, server, smtp_server, job_app, time_machine):
    """The worker mails through ``smtp_server`` with links to the live ``server``."""
    time_machine.move_to(datetime.now(UTC), tick=False)
    rt.settings = replace(rt.settings, base_url=server.url)
    rt.mailer = SmtpMailer(smtp_server.url, timeout=10)
    return server


def _later(time_machine, seconds=DELAY + 1):
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=seconds), tick=False)


def _verify(make_uow, *who):
    with make_uow() as uow:
        uow.session.execute(update(Member).where(Member.id.in_([w["id"] for w in who]))
                            .values(email_verified_at=datetime.now(UTC)))
        uow.commit()


def _kind(received) -> str:
    return str(received.message["X-Exchange-Kind"])


def _check_message(received, base_url: str) -> list[str]:
    """The checks every message passes; returns the links in its text part."""
    msg = received.message
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        assert msg[header], f"{_kind(received)}: no {header}"
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith(">")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert text.strip() and "<html" in html.lower(), _kind(received)
    assert "{{" not in text and "{{" not in html, _kind(received)
    kind = _kind(received)
    can_opt_out = not kind.startswith("account.") and kind not in preferences.ALWAYS
    assert bool(msg["List-Unsubscribe"]) == can_opt_out, kind
    if can_opt_out:
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = [url.rstrip(".,)") for url in LINK.findall(text)]
    assert all(url.startswith(base_url) for url in links), (kind, links)
    return links


def _follow(url: str) -> requests.Response:
    """Open a link as a member's browser would (without being signed in)."""
    response = requests.get(url, timeout=15, allow_redirects=True)
    assert response.status_code == 200, (url, response.status_code)
    return response


def test_every_notification_email_arrives_whole_and_its_links_work(
        world, job_api, run_jobs, make_uow, smtp_server, time_machine):
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["gardening"])
    mod = job_api.member("mod")
    _verify(make_uow, asker, helper, mod)
    with make_uow() as uow:
        uow.session.execute(update(Member).where(Member.id == mod["id"]).values(role="moderator"))
        uow.commit()

    def step(action):
        action()
        run_jobs()
        _later(time_machine)
        run_jobs()

    ask = job_api.ask(asker, title="Help me plan a small herb garden", tags=["gardening"])
    step(lambda: None)                                                    # ask.offered
    step(lambda: job_api.call(helper, "POST", f"/asks/{ask['id']}/accept"))  # ask.accepted
    step(lambda: job_api.call(helper, "POST", f"/asks/{ask['id']}/messages",
                              json={"body": "Sunny balcony or shade?"}))     # message.new
    step(lambda: job_api.call(helper, "POST", f"/asks/{ask['id']}/deliver"))  # ask.delivered
    step(lambda: job_api.call(asker, "POST", f"/asks/{ask['id']}/confirm"))   # ask.confirmed
    step(lambda: job_api.call(asker, "POST", f"/asks/{ask['id']}/thanks",
                              json={"message": "The basil is thriving!"}))   # thanks.received
    second = job_api.ask(asker, title="Swap seedlings this weekend", tags=["gardening"])
    step(lambda: job_api.call(helper, "POST", f"/asks/{second['id']}/accept"))
    step(lambda: job_api.call(helper, "POST", f"/asks/{second['id']}/withdraw"))  # withdrawn
    step(lambda: job_api.call(mod, "POST", f"/mod/asks/{second['id']}/hide",
                              json={"reason": "Please keep plant swaps local."}))  # ask.hidden
    step(lambda: job_api.call(mod, "POST", "/mod/members/helper/suspend",
                              json={"days": 1, "reason": "A cooling-off day."}))  # suspended

    received = smtp_server.wait_for(10)
    kinds = {_kind(r) for r in received}
    assert {"ask.offered", "ask.accepted", "message.new", "ask.delivered", "ask.confirmed",
            "thanks.received", "ask.withdrawn", "ask.hidden", "account.suspended"} <= kinds, kinds
    for message in received:
        for url in _check_message(message, world.url):
            page = _follow(url)
            assert "The exchange" in page.text
        if message.message["List-Unsubscribe"]:
            one_click = message.message["List-Unsubscribe"].strip("<>")
            r = requests.post(one_click, data={"List-Unsubscribe": "One-Click"}, timeout=15)
            assert r.status_code == 200, (_kind(message), r.status_code)


def test_the_digest_arrives_whole_and_its_links_work(world, job_api, run_jobs, make_uow,
                                                     smtp_server, time_machine):
    from workers.housekeeping import sweep
    time_machine.move_to(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), tick=False)
    reader = job_api.member("reader", skills=["gardening"], timezone="UTC")
    with make_uow() as uow:
        uow.session.execute(update(Member).where(Member.id == reader["id"]).values(
            digest="weekly", email_verified_at=datetime.now(UTC),
            last_seen_at=datetime.now(UTC) - timedelta(days=8)))
        uow.commit()
    with make_uow() as uow:  # the offer emails aside: this test is about the digest
        preferences.choose(uow.session, reader["id"], "ask.offered", email=False)
        uow.commit()
    job_api.ask(job_api.member("asker"), title="Which tomato for a windy balcony?",
                tags=["gardening"])
    _later(time_machine, 3600)
    sweep()
    run_jobs()
    [digest] = [r for r in smtp_server.wait_for(1) if _kind(r) == "digest"]
    links = _check_message(digest, world.url)
    assert links
    for url in links:
        _follow(url)


def test_every_account_email_arrives_whole_and_its_links_work(world, job_api, run_jobs,
                                                              make_uow, smtp_server):
    client = job_api.client
    member = job_api.member("newbie")                                         # verify
    r = client.post("/api/v1/auth/register", json={                          # address in use
        "handle": "someone", "email": "newbie@example.org", "password": PASSWORD,
        "display_name": "Someone"})
    assert r.status_code == 201
    run_jobs()
    _verify(make_uow, member)
    assert client.post("/api/v1/auth/password-reset",
                       json={"email": "newbie@example.org"}).status_code == 202  # reset
    run_jobs()
    [reset] = [m for m in smtp_server.wait_for(3) if _kind(m) == "account.reset"]
    token = re.search(r"token=([A-Za-z0-9_.\-]+)",
                      reset.message.get_body(("plain",)).get_content()).group(1)
    r = client.post("/api/v1/auth/password-reset/confirm",                   # password changed
                    json={"token": token, "password": "a brand new passphrase"})
    assert r.status_code == 204, r.get_json()
    job_api.call(member, "GET", "/me")
    r = client.post("/api/v1/auth/tokens", json={"login": "newbie",
                                                 "password": "a brand new passphrase"})
    member = {**member, "headers": {"Authorization": f"Bearer {r.get_json()['token']}"}}
    r = job_api.call(member, "PATCH", "/me", json={"email": "newbie2@example.org"})
    assert r.status_code == 200                                 # change: confirm and notice
    run_jobs()
    received = smtp_server.wait_for(6)
    kinds = {_kind(r) for r in received}
    assert {"account.verify", "account.address_in_use", "account.reset",
            "account.password_changed", "account.email_change",
            "account.email_change_notice"} <= kinds, kinds
    for message in received:
        for url in _check_message(message, world.url):
            path = urlsplit(url).path
            page = _follow(url)
            if path in ("/verify", "/reset"):
                assert "</button>" in page.text, path
