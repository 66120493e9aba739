"""Web Push end to end in one process: a browser subscribes through the API, the exchange pushes
with ``WebPushSender`` through ``pushes.deliver``, and the test push service
(``tests/fixtures/push_service.py``) checks the VAPID signature and decrypts what arrived."""

from __future__ import annotations

import socket
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from exchange.adapters import webpush
from exchange.delivery import pushes
from exchange.delivery.models import PushSubscription
from exchange.members.models import Member
from exchange.notifications.service import notify
from exchange.ports import DeliveryDeferred, DeliveryRefused

ASK = {"id": 7, "title": "Read my cover letter before Friday", "minutes": 20}


@pytest.fixture
def sender(settings):
    return webpush.pusher_for(settings)


@pytest.fixture
def server_key(api):
    r = api.client.get("/api/v1/push/vapid-public-key")
    assert r.status_code == 200
    return r.get_json()["public_key"]


def subscribe(api, who, browser) -> None:
    r = api.call(who, "POST", "/me/push-subscriptions", json=browser.subscription)
    assert r.status_code == 201, r.get_json()


def push(make_uow, settings, sender, who, kind="ask.offered", data=None) -> int:
    """Store a notification for ``who`` and deliver its push; how many services took it."""
    with make_uow() as uow:
        note = notify(uow, member_id=who["id"], kind=kind,
                      data=data or {"ask": ASK, "reasons": [], "wave": 1})
        member = uow.session.get(Member, who["id"])
        message = pushes.push_message(note, member, settings)
        count = pushes.deliver(uow.session, sender, who["id"], message)
        uow.commit()
        return count


def rows(make_uow) -> list[PushSubscription]:
    with make_uow() as uow:
        found = list(uow.session.scalars(select(PushSubscription).order_by(PushSubscription.id)))
        uow.session.expunge_all()
        return found


def test_a_push_arrives_signed_with_the_published_key_and_encrypted_to_the_browser(
        api, make_uow, settings, sender, push_service, server_key):
    ada = api.member("ada")
    browser = push_service.browser(server_key=server_key)
    subscribe(api, ada, browser)
    assert push(make_uow, settings, sender, ada) == 1
    [arrived] = push_service.wait_for(1)
    assert arrived.problem is None and arrived.status == 201
    assert arrived.vapid_key == server_key == sender.public_key
    assert arrived.claims["aud"] == push_service.url
    assert arrived.claims["sub"] == "mailto:exchange@localhost"
    assert time.time() < arrived.claims["exp"] <= time.time() + 24 * 3600
    assert arrived.payload["kind"] == "ask.offered"
    assert arrived.payload["url"] == settings.link("/asks/7")
    assert (arrived.ttl, arrived.urgency, arrived.topic) == (settings.wave_seconds, "high",
                                                             "ask-7")
    assert rows(make_uow)[0].last_sent_at is not None


def test_the_payload_is_the_documented_shape(api, make_uow, settings, sender, push_service):
    ada = api.member("ada")
    subscribe(api, ada, push_service.browser())
    push(make_uow, settings, sender, ada, kind="message.new", data={
        "ask_id": 7, "message": {"id": 3, "ask_id": 7, "body": "Does Thursday work?",
                                 "author": {"handle": "bo", "display_name": "Bo"}}})
    [arrived] = push_service.wait_for(1)
    assert set(arrived.payload) == {"kind", "title", "body", "url", "tag", "notification_id"}
    assert arrived.payload["tag"] == "ask-7" and isinstance(arrived.payload["notification_id"], int)
    assert (arrived.urgency, arrived.ttl) == ("normal", 12 * 3600)


def test_a_lock_screen_shows_no_ask_words_unless_the_member_chose_so(
        api, make_uow, settings, sender, push_service):
    ada = api.member("ada")
    subscribe(api, ada, push_service.browser())
    push(make_uow, settings, sender, ada)
    r = api.call(ada, "PATCH", "/me/notification-settings", json={"push_details": True})
    assert r.status_code == 200
    push(make_uow, settings, sender, ada)
    private, detailed = (p.payload for p in push_service.wait_for(2))
    assert ASK["title"] not in private["title"] + private["body"]
    assert ASK["title"] in detailed["body"]


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_service_says_is_gone_is_forgotten(
        api, make_uow, settings, sender, push_service, status):
    ada = api.member("ada")
    gone, kept = push_service.browser(), push_service.browser()
    subscribe(api, ada, gone)
    subscribe(api, ada, kept)
    push_service.answer(gone, status)
    assert push(make_uow, settings, sender, ada) == 1
    assert [row.endpoint for row in rows(make_uow)] == [kept.endpoint]


def test_a_push_service_that_is_down_defers_and_keeps_the_subscription(
        api, make_uow, settings, sender, push_service):
    ada = api.member("ada")
    subscribe(api, ada, push_service.browser())
    push_service.answer(None, 500)
    with pytest.raises(DeliveryDeferred):
        push(make_uow, settings, sender, ada)
    assert len(rows(make_uow)) == 1 and rows(make_uow)[0].last_sent_at is None


def test_one_browser_that_took_it_is_enough_when_another_defers(
        api, make_uow, settings, sender, push_service):
    ada = api.member("ada")
    busy, fine = push_service.browser(), push_service.browser()
    subscribe(api, ada, busy)
    subscribe(api, ada, fine)
    push_service.answer(busy, 429)
    assert push(make_uow, settings, sender, ada) == 1
    assert len(rows(make_uow)) == 2


def test_a_subscription_made_for_an_older_key_is_refused_and_kept_for_the_page_to_renew(
        api, make_uow, settings, sender, push_service):
    ada = api.member("ada")
    old_key = webpush.public_key_of(ec.generate_private_key(ec.SECP256R1()))
    subscribe(api, ada, push_service.browser(server_key=old_key))
    assert push(make_uow, settings, sender, ada) == 0
    [arrived] = push_service.wait_for(1)
    assert arrived.status == 403 and len(rows(make_uow)) == 1


def test_a_member_with_no_browsers_gets_no_push_and_no_error(
        api, make_uow, settings, sender, push_service):
    assert push(make_uow, settings, sender, api.member("ada")) == 0
    assert push_service.received == []


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/push/x"


def test_a_push_service_that_cannot_be_reached_defers(sender, push_service):
    browser = push_service.browser()
    info = {**browser.subscription, "endpoint": _closed_port()}
    with pytest.raises(DeliveryDeferred):
        sender.send(info, b'{"kind": "nudge"}', ttl=60, urgency="low")


def test_a_subscription_whose_keys_cannot_be_used_is_refused(sender, push_service):
    info = push_service.browser().subscription
    info["keys"]["p256dh"] = "BAAA"
    with pytest.raises(DeliveryRefused):
        sender.send(info, b'{"kind": "nudge"}', ttl=60, urgency="low")


@pytest.mark.parametrize(("status", "meaning"), [
    (201, True), (202, True), (404, False), (410, False), (429, DeliveryDeferred),
    (500, DeliveryDeferred), (503, DeliveryDeferred), (400, DeliveryRefused),
    (403, DeliveryRefused), (413, DeliveryRefused)])
def test_each_answer_of_a_push_service_means_what_rfc_8030_says(status, meaning):
    if isinstance(meaning, bool):
        assert webpush.outcome(status) is meaning
    else:
        with pytest.raises(meaning):
            webpush.outcome(status)


@pytest.mark.parametrize(("urgency", "topic"), [("urgent", None), ("low", "has space"),
                                                ("low", "t" * 33)])
def test_an_urgency_or_topic_the_protocol_does_not_allow_is_a_mistake_not_a_send(
        sender, push_service, urgency, topic):
    with pytest.raises(ValueError):
        sender.send(push_service.browser().subscription, b"{}", ttl=60, urgency=urgency,
                    topic=topic)
    assert push_service.received == []
