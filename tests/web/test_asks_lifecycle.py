"""Taking and letting go of an ask: accept, withdraw, cancel.

Each transition: the happy path, the wrong state (409), the wrong person (403), and a retry by
the one who already did it (200, nothing changes).
"""

from __future__ import annotations

from tests.web.flow_helpers import ask_status


def act(api, who, ask, verb):
    return api.call(who, "POST", f"/asks/{ask['id']}/{verb}")


def ask_status_via(api, who, ask) -> str:
    return api.call(who, "GET", f"/asks/{ask['id']}").get_json()["status"]


def members(api, *handles):
    return [api.member(h) for h in handles]


def test_a_helper_accepts_an_open_ask(api):
    alice, bob = members(api, "alice", "bob")
    r = act(api, bob, api.ask(alice), "accept")
    assert r.status_code == 200
    assert r.get_json()["status"] == "matched" and r.get_json()["helper"]["handle"] == "bob"
    assert r.get_json()["matched_at"]


def test_accepting_again_as_the_winner_is_a_harmless_retry(api):
    alice, bob = members(api, "alice", "bob")
    ask = api.matched(alice, bob)
    r = act(api, bob, ask, "accept")
    assert r.status_code == 200
    assert r.get_json()["helper"]["handle"] == "bob" and r.get_json()["status"] == "matched"


def test_a_second_helper_cannot_take_a_matched_ask(api):
    alice, bob, carol = members(api, "alice", "bob", "carol")
    ask = api.matched(alice, bob)
    r = act(api, carol, ask, "accept")
    assert r.status_code == 409 and r.get_json()["reason"] == "ask_taken"
    assert api.call(alice, "GET", f"/asks/{ask['id']}").get_json()["helper"]["handle"] == "bob"


def test_nobody_can_accept_their_own_ask(api):
    alice = api.member("alice")
    r = act(api, alice, api.ask(alice), "accept")
    assert r.status_code == 403 and r.get_json()["reason"] == "own_ask"


def test_a_cancelled_ask_cannot_be_accepted(api):
    alice, bob = members(api, "alice", "bob")
    ask = api.ask(alice)
    act(api, alice, ask, "cancel")
    assert act(api, bob, ask, "accept").status_code == 409


def test_a_helper_at_capacity_cannot_accept_another_ask(api):
    alice, bob = members(api, "alice", "bob")
    api.call(bob, "PATCH", "/me", json={"capacity": 1})
    api.matched(alice, bob)
    r = act(api, bob, api.ask(alice), "accept")
    assert r.status_code == 409 and r.get_json()["reason"] == "at_capacity"


def test_finishing_a_help_frees_capacity(api):
    alice, bob = members(api, "alice", "bob")
    api.call(bob, "PATCH", "/me", json={"capacity": 1})
    api.confirmed(alice, bob)
    assert act(api, bob, api.ask(alice), "accept").status_code == 200


def test_withdrawing_reopens_the_ask_without_a_helper(api):
    alice, bob = members(api, "alice", "bob")
    r = act(api, bob, api.matched(alice, bob), "withdraw")
    assert r.status_code == 200
    assert r.get_json()["status"] == "open" and r.get_json()["helper"] is None


def test_a_withdrawn_ask_can_be_taken_by_someone_else(api):
    alice, bob, carol = members(api, "alice", "bob", "carol")
    ask = api.matched(alice, bob)
    act(api, bob, ask, "withdraw")
    assert act(api, carol, ask, "accept").get_json()["helper"]["handle"] == "carol"


def test_a_helper_who_withdrew_cannot_accept_the_same_ask_again(api):
    alice, bob = members(api, "alice", "bob")
    ask = api.matched(alice, bob)
    act(api, bob, ask, "withdraw")
    r = act(api, bob, ask, "accept")
    assert r.status_code == 409 and r.get_json()["reason"] == "withdrew_before"


def test_withdrawing_twice_is_a_harmless_retry(api):
    alice, bob = members(api, "alice", "bob")
    ask = api.matched(alice, bob)
    act(api, bob, ask, "withdraw")
    r = act(api, bob, ask, "withdraw")
    assert r.status_code == 200 and r.get_json()["status"] == "open"


def test_only_the_helper_can_withdraw(api):
    alice, bob, carol = members(api, "alice", "bob", "carol")
    ask = api.matched(alice, bob)
    assert act(api, alice, ask, "withdraw").status_code == 403
    assert act(api, carol, ask, "withdraw").status_code == 403
    assert ask_status_via(api, alice, ask) == "matched"


def test_nobody_can_withdraw_from_an_open_ask(api):
    alice, bob = members(api, "alice", "bob")
    assert act(api, bob, api.ask(alice), "withdraw").status_code == 403


def test_a_delivered_ask_cannot_be_withdrawn(api):
    alice, bob = members(api, "alice", "bob")
    ask = api.matched(alice, bob)
    act(api, bob, ask, "deliver")
    r = act(api, bob, ask, "withdraw")
    assert r.status_code == 409 and r.get_json()["reason"] == "wrong_state"


def test_the_asker_cancels_an_open_ask(api):
    alice = api.member("alice")
    r = act(api, alice, api.ask(alice), "cancel")
    assert r.status_code == 200
    assert r.get_json()["status"] == "cancelled" and r.get_json()["closed_at"]


def test_the_asker_cancels_a_matched_ask(api):
    alice, bob = members(api, "alice", "bob")
    r = act(api, alice, api.matched(alice, bob), "cancel")
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"


def test_cancelling_twice_is_a_harmless_retry(api, make_uow):
    alice = api.member("alice")
    ask = api.ask(alice)
    act(api, alice, ask, "cancel")
    assert act(api, alice, ask, "cancel").status_code == 200
    assert ask_status(make_uow, ask["id"]) == "cancelled"


def test_only_the_asker_can_cancel(api):
    alice, bob, carol = members(api, "alice", "bob", "carol")
    ask = api.matched(alice, bob)
    r = act(api, bob, ask, "cancel")
    assert r.status_code == 403 and r.get_json()["reason"] == "not_author"
    assert act(api, carol, ask, "cancel").status_code == 403
    assert ask_status_via(api, alice, ask) == "matched"


def test_a_delivered_ask_cannot_be_cancelled(api):
    alice, bob = members(api, "alice", "bob")
    ask = api.matched(alice, bob)
    act(api, bob, ask, "deliver")
    assert act(api, alice, ask, "cancel").status_code == 409


def test_a_confirmed_ask_cannot_be_cancelled(api):
    alice, bob = members(api, "alice", "bob")
    ask = api.confirmed(alice, bob)
    r = act(api, alice, ask, "cancel")
    assert r.status_code == 409 and r.get_json()["reason"] == "wrong_state"


def test_an_unknown_ask_is_absent(api):
    assert act(api, api.member(), {"id": 999999}, "accept").status_code == 404

