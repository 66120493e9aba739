"""Blocks are private and mutual in effect: neither member sees or takes the other's asks."""

from __future__ import annotations


def block(api, who, handle):
    r = api.call(who, "POST", f"/members/{handle}/block")
    assert r.status_code == 204
    return r


def unblock(api, who, handle):
    r = api.call(who, "DELETE", f"/members/{handle}/block")
    assert r.status_code == 204
    return r


def feed(api, who) -> list[int]:
    return [a["id"] for a in api.call(who, "GET", "/asks").get_json()["items"]]


def test_the_blocker_no_longer_sees_the_blocked_profile(api):
    alice, _ = api.member("alice"), api.member("bob")
    block(api, alice, "bob")
    assert api.call(alice, "GET", "/members/bob").status_code == 404


def test_the_blocked_member_no_longer_sees_the_blockers_profile(api):
    alice, bob = api.member("alice"), api.member("bob")
    block(api, alice, "bob")
    assert api.call(bob, "GET", "/members/alice").status_code == 404


def test_the_blocked_member_cannot_accept_the_blockers_ask(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.ask(alice)
    block(api, alice, "bob")
    r = api.call(bob, "POST", f"/asks/{ask['id']}/accept")
    assert r.status_code == 403 and r.get_json()["reason"] == "blocked"
    assert api.call(alice, "GET", f"/asks/{ask['id']}").get_json()["status"] == "open"


def test_the_blocker_cannot_accept_the_blocked_members_ask(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.ask(bob)
    block(api, alice, "bob")
    assert api.call(alice, "POST", f"/asks/{ask['id']}/accept").status_code == 403


def test_the_blockers_ask_is_not_in_the_blocked_members_feed(api):
    alice, bob = api.member("alice"), api.member("bob")
    api.ask(alice)
    block(api, alice, "bob")
    assert feed(api, bob) == []
    assert api.call(bob, "GET", "/asks?for_me=true").get_json()["items"] == []


def test_the_blocked_members_ask_is_not_in_the_blockers_feed(api):
    alice, bob = api.member("alice"), api.member("bob")
    api.ask(bob)
    block(api, alice, "bob")
    assert feed(api, alice) == []


def test_the_block_shows_in_the_blockers_own_profile_only(api):
    alice, bob = api.member("alice"), api.member("bob")
    block(api, alice, "bob")
    assert api.call(alice, "GET", "/me").get_json()["blocked"] == ["bob"]
    assert api.call(bob, "GET", "/me").get_json()["blocked"] == []


def test_blocking_twice_is_harmless(api):
    alice, _ = api.member("alice"), api.member("bob")
    block(api, alice, "bob")
    block(api, alice, "bob")
    assert api.call(alice, "GET", "/me").get_json()["blocked"] == ["bob"]


def test_nobody_can_block_themselves(api):
    alice = api.member("alice")
    assert api.call(alice, "POST", "/members/alice/block").status_code == 422


def test_blocking_an_unknown_handle_is_absent(api):
    assert api.call(api.member(), "POST", "/members/nobody_here/block").status_code == 404


def test_unblocking_restores_profiles_feed_and_accepting(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.ask(alice)
    block(api, alice, "bob")
    unblock(api, alice, "bob")
    assert api.call(alice, "GET", "/members/bob").status_code == 200
    assert api.call(bob, "GET", "/members/alice").status_code == 200
    assert feed(api, bob) == [ask["id"]]
    assert api.call(bob, "POST", f"/asks/{ask['id']}/accept").status_code == 200


def test_a_block_closes_the_conversation_of_a_matched_ask(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    block(api, alice, "bob")
    r = api.call(bob, "POST", f"/asks/{ask['id']}/messages", json={"body": "hello?"})
    assert r.status_code == 403
