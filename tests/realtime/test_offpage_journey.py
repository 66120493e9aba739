"""The whole off-page journey with live processes and no page open for the helper: an ask is
posted to a live ``exchange serve``; a real ``exchange worker`` matches it and, the delay
passed, mails the offline helper through a real SMTP server; the helper follows the email's
link with a plain HTTP client — and the asker, connected over Socket.IO, sees the match live.

The mail delay is one second here, and every wait is on the event itself (the email arriving,
the push arriving), with a deadline.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import update

from exchange.clock import utcnow
from exchange.members.models import Member
from exchange.notifications.models import Notification
from tests.realtime.live import Listener, token_of
from tests.waiting import wait_until
from tests.workers.processes import end_group, start_worker, worker_env

pytestmark = pytest.mark.slow
LINK = re.compile(r"https?://\S+")


class Form(HTMLParser):
    """The one form of a page reached from an email: its action and hidden fields."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.posts = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self.posts = True
        if tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value", "")


@pytest.fixture
def live(serve, smtp_server, database_url, redis_url, push_channel, tmp_path):
    """A live web process and a live worker that mails through ``smtp_server``."""
    server = serve()
    env = worker_env(database_url, redis_url, tmp_path, EXCHANGE_SMTP_URL=smtp_server.url,
                     EXCHANGE_MAIL_DELAY_SECONDS="1", EXCHANGE_BASE_URL=server.url,
                     EXCHANGE_PUSH_CHANNEL=push_channel)
    worker = start_worker(env, tmp_path / "worker.log")
    yield server
    end_group(worker)
    server.stop()


@pytest.fixture
def people(job_api, make_uow):
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["bikes"])
    _verify(make_uow, helper)
    return asker, helper


def _post_ask(server, asker) -> dict:
    r = server.call(asker, "POST", "/asks", json={
        "title": "Look at my bike's squeaky brakes", "minutes": 20, "tags": ["bikes"]})
    assert r.status_code == 201, r.text
    return r.json()


def _links(received) -> dict[str, str]:
    text = received.message.get_body(("plain",)).get_content()
    found = {}
    for url in LINK.findall(text):
        path = urlsplit(url).path
        if path in ("/offer/accept", "/offer/pass", "/unsubscribe"):
            found[path] = url
    return found


def _press_the_button(url: str) -> str:
    """Open the page an email links to, and press its one button, as a browser would."""
    session = requests.Session()
    page = session.get(url, timeout=15)
    assert page.status_code == 200
    form = Form()
    form.feed(page.text)
    assert form.posts and form.fields.get("token"), page.text
    done = session.post(url.split("?")[0], data=form.fields, timeout=15)
    assert done.status_code == 200
    return done.text


def test_an_offline_helper_answers_by_email_and_the_asker_sees_it_live(live, people,
                                                                       smtp_server):
    asker, helper = people
    watching = Listener(live.url, token_of(asker), member_id=asker["id"]).connect()
    try:
        ask = _post_ask(live, asker)
        mail = _offer_mail(smtp_server, "helper@example.org")
        assert "Look at my bike" in mail.message["Subject"]
        page = _press_the_button(_links(mail)["/offer/accept"])
        assert "You're helping with this one" in page
        [accepted] = watching.wait_for("ask.accepted")
        assert accepted["data"]["ask"]["id"] == ask["id"]
        assert accepted["data"]["ask"]["helper"]["handle"] == "helper"
    finally:
        watching.disconnect()
    assert _mailed(smtp_server, "helper@example.org") == 1


def test_not_this_time_from_the_email_means_the_ask_never_returns(live, people, job_api,
                                                                  smtp_server, make_uow):
    asker, helper = people
    ask = _post_ask(live, asker)
    mail = _offer_mail(smtp_server, "helper@example.org")
    assert "nobody is told" in _press_the_button(_links(mail)["/offer/pass"])
    feed = live.call(helper, "GET", "/asks?for_me=true").json()["items"]
    assert ask["id"] not in [a["id"] for a in feed]
    # Someone takes it and steps back: matching starts a new round, which offers the ask to a
    # helper who joined meanwhile — and not again to the one who passed.
    newcomer = job_api.member("newcomer", skills=["bikes"])
    _verify(make_uow, newcomer)
    taker = job_api.member("taker")
    assert live.call(taker, "POST", f"/asks/{ask['id']}/accept").status_code == 200
    assert live.call(taker, "POST", f"/asks/{ask['id']}/withdraw").status_code == 200
    assert _offer_mail(smtp_server, "newcomer@example.org")
    assert _mailed(smtp_server, "helper@example.org") == 1
    with make_uow() as uow:
        told = {n.kind for n in uow.session.query(Notification).filter_by(member_id=asker["id"])}
    assert told <= {"ask.accepted", "ask.withdrawn", "ask.still_open"}  # nothing of the pass


def _verify(make_uow, who) -> None:
    with make_uow() as uow:
        uow.session.execute(update(Member).where(Member.id == who["id"])
                            .values(email_verified_at=utcnow()))
        uow.commit()


def _offers(smtp_server, address: str) -> list:
    """The offer emails that reached ``address`` (each member also gets an account email: the
    link to verify their address, sent when they joined)."""
    return [m for m in smtp_server.messages if list(m.rcpt_tos) == [address]
            and m.message["X-Exchange-Kind"] == "ask.offered"]


def _offer_mail(smtp_server, address: str):
    """Waits (bounded; the worker may still be starting) for the one offer email to ``address``."""
    assert wait_until(lambda: _offers(smtp_server, address), timeout=60), \
        [(m.rcpt_tos, m.message["Subject"]) for m in smtp_server.messages]
    [mail] = _offers(smtp_server, address)
    return mail


def _mailed(smtp_server, address: str) -> int:
    return len(_offers(smtp_server, address))


def test_an_offline_helper_with_push_on_is_pushed_by_the_live_worker_at_once(
        live, people, push_service, smtp_server):
    asker, helper = people
    browser = push_service.browser()
    r = live.call(helper, "POST", "/me/push-subscriptions", json=browser.subscription)
    assert r.status_code == 201, r.text
    ask = _post_ask(live, asker)
    [push] = push_service.wait_for(1, timeout=60)  # checked: VAPID JWT, then decrypted
    assert push.problem is None and push.endpoint == browser.endpoint
    assert push.payload["kind"] == "ask.offered"
    assert push.payload["url"] == f"{live.url}/asks/{ask['id']}"
    # The email still follows after the delay: the push was not "seen on the site".
    assert _offer_mail(smtp_server, "helper@example.org")
