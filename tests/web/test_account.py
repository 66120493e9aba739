"""The own data: export everything, delete the account (the ledger stays balanced)."""

from __future__ import annotations

from exchange.ledger import service as ledger
from tests.web.flow_helpers import ask_status, notes


def export(api, who) -> dict:
    r = api.call(who, "GET", "/me/export")
    assert r.status_code == 200
    return r.get_json()


def delete_me(api, who):
    r = api.call(who, "DELETE", "/me")
    assert r.status_code == 204
    return r


def test_export_holds_my_profile_asks_ledger_and_messages(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob, minutes=30)
    api.call(alice, "POST", f"/asks/{ask['id']}/messages", json={"body": "See you at six"})
    api.call(alice, "POST", f"/asks/{ask['id']}/confirm")
    data = export(api, alice)
    assert data["profile"]["email"] == "alice@example.org"
    assert [a["id"] for a in data["asks"]] == [ask["id"]]
    assert [e["amount"] for e in data["ledger"]] == [-30]
    assert [m["body"] for m in data["messages"]] == ["See you at six"]


def test_export_holds_the_asks_i_helped_with(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.confirmed(alice, bob)
    assert [a["id"] for a in export(api, bob)["helped"]] == [ask["id"]]


def test_export_holds_nothing_of_other_members(api):
    alice, bob = api.member("alice"), api.member("bob")
    api.ask(bob)
    data = export(api, alice)
    assert data["asks"] == [] and data["ledger"] == [] and data["messages"] == []


def test_after_deleting_the_token_no_longer_works(api):
    alice = api.member("alice")
    delete_me(api, alice)
    assert api.call(alice, "GET", "/me").status_code == 401


def test_after_deleting_the_public_profile_is_gone(api):
    alice, bob = api.member("alice"), api.member("bob")
    delete_me(api, alice)
    assert api.call(bob, "GET", "/members/alice").status_code == 404


def test_after_deleting_the_password_no_longer_signs_in(api, client):
    alice = api.member("alice")
    delete_me(api, alice)
    r = client.post("/api/v1/auth/tokens",
                    json={"login": "alice@example.org", "password": "correct horse battery"})
    assert r.status_code == 401


def test_deleting_keeps_the_ledger_summing_to_zero(api, make_uow):
    alice, bob = api.member("alice"), api.member("bob")
    api.confirmed(alice, bob, minutes=45)
    api.confirmed(bob, alice, minutes=10)
    delete_me(api, alice)
    with make_uow() as uow:
        assert ledger.entries_total(uow.session) == 0


def test_deleting_leaves_the_other_members_totals_unchanged(api):
    alice, bob = api.member("alice"), api.member("bob")
    api.confirmed(alice, bob, minutes=45)
    before = api.call(bob, "GET", "/me/balance").get_json()
    delete_me(api, alice)
    assert api.call(bob, "GET", "/me/balance").get_json() == before
    assert api.call(bob, "GET", "/me/ledger").get_json()["items"][0]["amount"] == 45


def test_deleting_cancels_my_open_asks(api, make_uow):
    alice = api.member("alice")
    ask = api.ask(alice)
    delete_me(api, alice)
    assert ask_status(make_uow, ask["id"]) == "cancelled"


def test_deleting_cancels_my_matched_asks_and_tells_the_helper(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    delete_me(api, alice)
    [note] = notes(api, bob, "ask.cancelled")
    assert note["data"]["ask"]["id"] == ask["id"]
    assert note["data"]["ask"]["status"] == "cancelled"


def test_deleting_hands_back_asks_i_was_helping_with(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    delete_me(api, bob)
    shown = api.call(alice, "GET", f"/asks/{ask['id']}").get_json()
    assert shown["status"] == "open" and shown["helper"] is None


def test_a_deleted_members_handle_and_email_can_be_used_again(api, client):
    alice = api.member("alice")
    delete_me(api, alice)
    r = client.post("/api/v1/auth/register", json={
        "handle": "alice", "email": "alice@example.org", "password": "correct horse battery",
        "display_name": "Alice again"})
    assert r.status_code == 201
