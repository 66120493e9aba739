"""How the exchange reaches a member, through the API: notification settings
(``GET``/``PATCH /me/notification-settings``), push subscriptions (``POST``/``DELETE
/me/push-subscriptions``) and the key browsers subscribe with (``GET /push/vapid-public-key``)."""

from __future__ import annotations

import base64
import os
from dataclasses import replace
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from exchange.adapters import webpush
from exchange.clock import utcnow
from exchange.delivery import subscriptions
from exchange.delivery.models import PushSubscription
from exchange.errors import InvalidInput
from exchange.members.models import Member
from exchange.notifications.models import KINDS
from exchange.notifications.preferences import ALWAYS
from exchange.uow import UnitOfWork
from tests.web.api_routes import set_member
from tests.web.flow_helpers import field_errors

SETTINGS = "/me/notification-settings"
SUBSCRIPTIONS = "/me/push-subscriptions"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_keys() -> dict:
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


def subscription(endpoint: str | None = None, **keys) -> dict:
    endpoint = endpoint or f"https://push.example.net/send/{b64url(os.urandom(9))}"
    return {"endpoint": endpoint, "expirationTime": None, "keys": {**browser_keys(), **keys}}


def endpoints(make_uow, member_id: int | None = None) -> list[str]:
    with make_uow() as uow:
        query = select(PushSubscription.endpoint).order_by(PushSubscription.id)
        if member_id is not None:
            query = query.where(PushSubscription.member_id == member_id)
        return list(uow.session.scalars(query))


def suspend(make_uow, who) -> None:
    set_member(make_uow, who["id"], status="suspended",
               suspended_until=utcnow() + timedelta(days=2))


# --- notification settings ---------------------------------------------------------------------

def test_settings_list_every_kind_with_its_channels_and_the_notices_that_always_go(api):
    got = api.call(api.member(), "GET", SETTINGS).get_json()
    assert set(got["kinds"]) == set(KINDS)
    assert all(set(c) == {"live", "email", "push"} for c in got["kinds"].values())
    assert set(got["always"]) == ALWAYS
    assert (got["digest"], got["push_details"]) == ("off", False)


def test_reading_the_settings_needs_signing_in(api):
    r = api.call(None, "GET", SETTINGS)
    assert r.status_code == 401


def test_a_change_is_kept_and_the_rest_stays_as_it_was(api):
    ada = api.member()
    before = api.call(ada, "GET", SETTINGS).get_json()
    change = {"kinds": {"message.new": {"email": False}, "nudge": {"push": True}},
              "digest": "weekly", "push_details": True}
    r = api.call(ada, "PATCH", SETTINGS, json=change)
    assert r.status_code == 200
    after = api.call(ada, "GET", SETTINGS).get_json()
    assert after == r.get_json()
    assert after["kinds"]["message.new"] == {**before["kinds"]["message.new"], "email": False}
    assert after["kinds"]["nudge"] == {**before["kinds"]["nudge"], "push": True}
    assert (after["digest"], after["push_details"]) == ("weekly", True)
    untouched = set(KINDS) - {"message.new", "nudge"}
    assert {k: after["kinds"][k] for k in untouched} == {k: before["kinds"][k] for k in untouched}


def test_an_empty_change_changes_nothing(api):
    ada = api.member()
    before = api.call(ada, "GET", SETTINGS).get_json()
    assert api.call(ada, "PATCH", SETTINGS, json={}).get_json() == before


def test_one_members_settings_are_theirs_alone(api):
    ada, bo = api.member(), api.member()
    api.call(ada, "PATCH", SETTINGS, json={"kinds": {"ask.offered": {"email": False}}})
    assert api.call(bo, "GET", SETTINGS).get_json()["kinds"]["ask.offered"]["email"] is True


def test_a_notice_that_always_goes_cannot_be_switched_off_and_nothing_else_changes(api):
    ada = api.member()
    body = {"kinds": {"mod.warning": {"email": False, "live": True}}, "digest": "daily"}
    errors = field_errors(api.call(ada, "PATCH", SETTINGS, json=body))
    assert set(errors["kinds"]["mod.warning"]) == {"email"}
    got = api.call(ada, "GET", SETTINGS).get_json()
    assert got["kinds"]["mod.warning"]["email"] is True and got["digest"] == "off"


def test_keeping_a_notice_that_always_goes_on_is_fine(api):
    r = api.call(api.member(), "PATCH", SETTINGS, json={"kinds": {"ask.hidden": {"push": True}}})
    assert r.status_code == 200 and r.get_json()["kinds"]["ask.hidden"]["push"] is True


@pytest.mark.parametrize(("body", "where"), [
    ({"kinds": {"ask.nope": {"email": False}}}, ("kinds", "ask.nope")),
    ({"kinds": {"ask.offered": {"fax": True}}}, ("kinds", "ask.offered", "fax")),
    ({"kinds": {"ask.offered": {"email": "no"}}}, ("kinds", "ask.offered", "email")),
    ({"kinds": {"ask.offered": True}}, ("kinds", "ask.offered")),
    ({"kinds": ["ask.offered"]}, ("kinds",)),
    ({"digest": "monthly"}, ("digest",)),
    ({"push_details": "yes"}, ("push_details",)),
    ({"sms": True}, ("sms",)),
])
def test_unknown_kinds_channels_and_values_are_field_errors(api, body, where):
    errors = field_errors(api.call(api.member(), "PATCH", SETTINGS, json=body))
    for key in where:
        errors = errors[key]
    assert errors


def test_a_suspended_member_reads_their_settings_but_changes_nothing(api, make_uow):
    ada = api.member()
    suspend(make_uow, ada)
    assert api.call(ada, "GET", SETTINGS).status_code == 200
    r = api.call(ada, "PATCH", SETTINGS, json={"digest": "weekly"})
    assert (r.status_code, r.get_json()["reason"]) == (403, "account_suspended")


# --- push subscriptions ------------------------------------------------------------------------

def test_a_browser_subscribes_and_unsubscribes(api, make_uow):
    ada = api.member()
    body = subscription()
    r = api.call(ada, "POST", SUBSCRIPTIONS, json=body)
    assert r.status_code == 201 and r.get_json()["endpoint"] == body["endpoint"]
    assert endpoints(make_uow, ada["id"]) == [body["endpoint"]]
    r = api.call(ada, "DELETE", SUBSCRIPTIONS, json={"endpoint": body["endpoint"]})
    assert r.status_code == 204 and endpoints(make_uow) == []


def test_unsubscribing_again_or_from_nothing_is_still_fine(api):
    ada = api.member()
    for _ in range(2):
        r = api.call(ada, "DELETE", SUBSCRIPTIONS, json={"endpoint": "https://push.example/x"})
        assert r.status_code == 204


def test_an_endpoint_with_a_nul_in_it_is_a_field_error_not_a_lookup(api):
    for method in ("POST", "DELETE"):
        body = subscription("https://push.example.net/a\x00b")
        errors = field_errors(api.call(api.member(), method, SUBSCRIPTIONS, json=body
                                       if method == "POST" else {"endpoint": body["endpoint"]}))
        assert "endpoint" in errors


def test_nobody_can_unsubscribe_someone_elses_browser(api, make_uow):
    ada, bo = api.member(), api.member()
    body = subscription()
    api.call(ada, "POST", SUBSCRIPTIONS, json=body)
    r = api.call(bo, "DELETE", SUBSCRIPTIONS, json={"endpoint": body["endpoint"]})
    assert r.status_code == 204 and endpoints(make_uow, ada["id"]) == [body["endpoint"]]


def test_the_same_browser_subscribing_again_keeps_one_row_with_its_new_keys(api, make_uow):
    ada = api.member()
    first = subscription()
    again = subscription(first["endpoint"])
    api.call(ada, "POST", SUBSCRIPTIONS, json=first)
    assert api.call(ada, "POST", SUBSCRIPTIONS, json=again).status_code == 201
    with make_uow() as uow:
        [row] = uow.session.scalars(select(PushSubscription))
        assert row.p256dh == again["keys"]["p256dh"] and row.auth == again["keys"]["auth"]


def test_a_second_member_on_the_same_browser_takes_the_subscription_over(api, make_uow):
    ada, bo = api.member(), api.member()
    body = subscription()
    api.call(ada, "POST", SUBSCRIPTIONS, json=body)
    api.call(bo, "POST", SUBSCRIPTIONS, json=body)
    assert endpoints(make_uow, ada["id"]) == [] and endpoints(make_uow, bo["id"]) == [
        body["endpoint"]]


def test_an_eleventh_browser_lets_the_one_subscribed_longest_ago_go(api, make_uow):
    ada = api.member()
    made = [subscription() for _ in range(subscriptions.MAX_PER_MEMBER + 1)]
    for body in made:
        assert api.call(ada, "POST", SUBSCRIPTIONS, json=body).status_code == 201
    assert sorted(endpoints(make_uow, ada["id"])) == sorted(b["endpoint"] for b in made[1:])


def test_the_user_agent_is_kept_to_tell_browsers_apart(api, make_uow):
    ada = api.member()
    r = api.client.post("/api/v1" + SUBSCRIPTIONS, json=subscription(),
                        headers={**ada["headers"], "User-Agent": "Firefox/130 " + "x" * 400})
    assert r.status_code == 201
    with make_uow() as uow:
        agent = uow.session.scalar(select(PushSubscription.user_agent))
    assert agent.startswith("Firefox/130") and len(agent) == 255


NOT_ON_CURVE = b64url(b"\x04" + b"\x01" * 64)


@pytest.mark.parametrize(("body", "field", "inner"), [
    (subscription("/relative/path"), "endpoint", None),
    (subscription("ftp://push.example.net/x"), "endpoint", None),
    (subscription("https:///no-host"), "endpoint", None),
    (subscription("https://user:pw@push.example.net/x"), "endpoint", None),
    (subscription("https://push.example.net:99999/x"), "endpoint", None),
    (subscription("https://push.example.net/a b"), "endpoint", None),
    (subscription("https://push.example.net/" + "x" * 1000), "endpoint", None),
    (subscription(p256dh=NOT_ON_CURVE), "keys", "p256dh"),
    (subscription(p256dh=b64url(b"\x04" + b"\x01" * 30)), "keys", "p256dh"),
    (subscription(p256dh="not base64url!"), "keys", "p256dh"),
    (subscription(auth=b64url(os.urandom(15))), "keys", "auth"),
    (subscription(auth="a+b/c="), "keys", "auth"),
    ({"endpoint": "https://push.example.net/x", "keys": {"p256dh": browser_keys()["p256dh"]}},
     "keys", "auth"),
    ({"endpoint": "https://push.example.net/x"}, "keys", None),
], ids=["relative", "ftp", "no host", "userinfo", "bad port", "space", "too long",
        "off the curve", "short point", "not base64url", "15-byte auth", "base64 not url",
        "no auth", "no keys"])
def test_a_subscription_that_does_not_look_right_is_refused_naming_the_field(
        api, make_uow, body, field, inner):
    errors = field_errors(api.call(api.member(), "POST", SUBSCRIPTIONS, json=body))
    assert field in errors and (inner is None or inner in errors[field])
    assert endpoints(make_uow) == []


def test_production_takes_only_https_push_services(db, settings, api):
    ada = api.member()
    production = replace(settings, env="production")
    with UnitOfWork(db, settings=production) as uow:
        actor = uow.session.get(Member, ada["id"])
        with pytest.raises(InvalidInput) as refused:
            subscriptions.subscribe(uow, actor=actor, endpoint="http://push.example.net/x",
                                    **browser_keys())
        assert "endpoint" in refused.value.fields
        row = subscriptions.subscribe(uow, actor=actor, endpoint="https://push.example.net/x",
                                      **browser_keys())
        assert row.id is not None


def test_a_suspended_member_cannot_subscribe(api, make_uow):
    ada = api.member()
    suspend(make_uow, ada)
    r = api.call(ada, "POST", SUBSCRIPTIONS, json=subscription())
    assert r.status_code == 403 and endpoints(make_uow) == []


# --- the key browsers subscribe with ------------------------------------------------------------

def test_anyone_can_read_the_key_browsers_subscribe_with_and_it_is_this_deployments(
        client, settings):
    first = client.get("/api/v1/push/vapid-public-key")
    again = client.get("/api/v1/push/vapid-public-key")
    assert first.status_code == 200
    key = first.get_json()["public_key"]
    assert key == again.get_json()["public_key"]
    assert key == webpush.public_key_of(webpush.load_private_key(settings))


def test_the_api_document_says_the_key_needs_no_sign_in(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["paths"]["/api/v1/push/vapid-public-key"]["get"]["security"] == []
    assert "ask.offered" in spec["components"]["schemas"]["KindChannelsPatch"]["properties"]
