"""Closing a help: deliver (helper) and confirm (asker), which writes the ledger once."""

from __future__ import annotations

import pytest


def act(api, who, ask, verb, **kwargs):
    return api.call(who, "POST", f"/asks/{ask['id']}/{verb}", **kwargs)


def pair(api):
    return api.member("alice"), api.member("bob")


def entries(api, who) -> list[dict]:
    return api.call(who, "GET", "/me/ledger").get_json()["items"]


def test_the_helper_marks_a_matched_ask_delivered(api):
    alice, bob = pair(api)
    r = act(api, bob, api.matched(alice, bob), "deliver")
    assert r.status_code == 200
    assert r.get_json()["status"] == "delivered" and r.get_json()["delivered_at"]


def test_delivering_twice_is_a_harmless_retry(api):
    alice, bob = pair(api)
    ask = api.matched(alice, bob)
    act(api, bob, ask, "deliver")
    r = act(api, bob, ask, "deliver")
    assert r.status_code == 200 and r.get_json()["status"] == "delivered"


def test_only_the_helper_can_mark_delivered(api):
    alice, bob = pair(api)
    carol = api.member("carol")
    ask = api.matched(alice, bob)
    assert act(api, alice, ask, "deliver").status_code == 403
    assert act(api, carol, ask, "deliver").status_code == 403


def test_an_open_ask_cannot_be_delivered(api):
    alice, bob = pair(api)
    r = act(api, bob, api.ask(alice), "deliver")
    assert r.status_code == 403 and r.get_json()["reason"] == "not_helper"


def test_a_cancelled_ask_cannot_be_delivered_by_its_former_helper(api):
    alice, bob = pair(api)
    ask = api.matched(alice, bob)
    act(api, alice, ask, "cancel")
    r = act(api, bob, ask, "deliver")
    assert r.status_code == 409 and r.get_json()["reason"] == "wrong_state"


def test_the_asker_confirms_a_delivered_ask_at_the_estimate(api):
    alice, bob = pair(api)
    ask = api.matched(alice, bob, minutes=25)
    act(api, bob, ask, "deliver")
    r = act(api, alice, ask, "confirm")
    assert r.status_code == 200
    assert r.get_json()["status"] == "confirmed" and r.get_json()["actual_minutes"] == 25
    assert api.call(bob, "GET", "/me/balance").get_json()["given_minutes"] == 25


def test_the_asker_may_confirm_straight_from_matched(api):
    alice, bob = pair(api)
    r = act(api, alice, api.matched(alice, bob), "confirm", json={})
    assert r.status_code == 200 and r.get_json()["status"] == "confirmed"


@pytest.mark.parametrize("minutes", [1, 240])
def test_the_asker_may_set_the_actual_minutes(api, minutes):
    alice, bob = pair(api)
    r = act(api, alice, api.matched(alice, bob), "confirm", json={"minutes": minutes})
    assert r.get_json()["actual_minutes"] == minutes
    assert api.call(alice, "GET", "/me/balance").get_json()["received_minutes"] == minutes


@pytest.mark.parametrize("minutes", [0, 241, 2.5, "30"])
def test_actual_minutes_outside_1_to_240_are_refused(api, minutes):
    alice, bob = pair(api)
    ask = api.matched(alice, bob)
    r = act(api, alice, ask, "confirm", json={"minutes": minutes})
    assert r.status_code == 422 and "minutes" in r.get_json()["errors"]["json"]
    assert entries(api, bob) == []


def test_confirming_twice_writes_one_ledger_transfer(api):
    alice, bob = pair(api)
    ask = api.matched(alice, bob, minutes=20)
    act(api, alice, ask, "confirm")
    r = act(api, alice, ask, "confirm", json={"minutes": 90})
    assert r.status_code == 200 and r.get_json()["actual_minutes"] == 20
    assert [e["amount"] for e in entries(api, bob)] == [20]
    assert [e["amount"] for e in entries(api, alice)] == [-20]


def test_only_the_asker_can_confirm(api):
    alice, bob = pair(api)
    ask = api.matched(alice, bob)
    r = act(api, bob, ask, "confirm")
    assert r.status_code == 403 and r.get_json()["reason"] == "not_author"
    assert entries(api, bob) == []


def test_an_open_ask_cannot_be_confirmed(api):
    alice = api.member("alice")
    r = act(api, alice, api.ask(alice), "confirm")
    assert r.status_code == 409 and r.get_json()["reason"] == "wrong_state"


def test_a_cancelled_ask_cannot_be_confirmed(api):
    alice, bob = pair(api)
    ask = api.matched(alice, bob)
    act(api, alice, ask, "cancel")
    assert act(api, alice, ask, "confirm").status_code == 409
    assert entries(api, bob) == []


def test_delivering_a_confirmed_ask_changes_nothing(api):
    alice, bob = pair(api)
    ask = api.confirmed(alice, bob)
    r = act(api, bob, ask, "deliver")
    assert r.status_code == 200 and r.get_json()["status"] == "confirmed"


def test_a_confirmed_ask_cannot_be_withdrawn(api):
    alice, bob = pair(api)
    ask = api.confirmed(alice, bob)
    assert act(api, bob, ask, "withdraw").status_code == 409
