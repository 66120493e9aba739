"""Gratitude after a confirmed help, and the asker–helper conversation."""

from __future__ import annotations

from tests.web.flow_helpers import field_errors, hide_ask, notes

THANKS = {"message": "Thank you, that unblocked me", "impact": "I sent the application"}


def thank(api, who, ask, body=None):
    return api.call(who, "POST", f"/asks/{ask['id']}/thanks", json=body or THANKS)


def say(api, who, ask, body="Hi! When suits you?"):
    return api.call(who, "POST", f"/asks/{ask['id']}/messages", json={"body": body})


def read(api, who, ask):
    return api.call(who, "GET", f"/asks/{ask['id']}/messages")


def trio(api):
    return api.member("alice"), api.member("bob"), api.member("carol")


def test_the_asker_thanks_the_helper_after_confirming(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.confirmed(alice, bob)
    r = thank(api, alice, ask)
    assert r.status_code == 201
    assert (r.get_json()["message"], r.get_json()["impact"]) == (THANKS["message"],
                                                                 THANKS["impact"])


def test_thanks_wait_for_the_confirm(api):
    alice, bob = api.member("alice"), api.member("bob")
    r = thank(api, alice, api.matched(alice, bob))
    assert r.status_code == 409 and r.get_json()["reason"] == "wrong_state"


def test_only_the_asker_can_send_thanks(api):
    alice, bob = api.member("alice"), api.member("bob")
    r = thank(api, bob, api.confirmed(alice, bob))
    assert r.status_code == 403


def test_thanks_are_sent_once_per_ask(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.confirmed(alice, bob)
    thank(api, alice, ask)
    r = thank(api, alice, ask, {"message": "And thanks again!"})
    assert r.status_code == 409 and r.get_json()["reason"] == "already_thanked"


def test_thanks_need_a_message(api):
    alice, bob = api.member("alice"), api.member("bob")
    assert "message" in field_errors(thank(api, alice, api.confirmed(alice, bob), {"impact": "x"}))


def test_the_helper_is_notified_of_thanks(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.confirmed(alice, bob)
    thank(api, alice, ask)
    [note] = notes(api, bob, "thanks.received")
    assert note["data"]["ask_id"] == ask["id"]
    assert note["data"]["thanks"]["message"] == THANKS["message"]


def test_the_helper_reads_who_thanked_them_for_what_and_the_difference_it_made(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.confirmed(alice, bob)
    thank(api, alice, ask)
    [note] = notes(api, bob, "thanks.received")
    said = note["data"]["thanks"]
    assert said["from"] == {"handle": "alice", "display_name": "Alice"}
    assert (said["message"], said["impact"]) == (THANKS["message"], THANKS["impact"])
    assert note["data"]["ask_title"] == ask["title"]


def _listed(api, who, query, ask_id):
    page = api.call(who, "GET", f"/asks?{query}").get_json()["items"]
    return next(a for a in page if a["id"] == ask_id)


def test_ones_own_asks_and_helps_carry_their_thanks_once_sent(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.confirmed(alice, bob)
    assert _listed(api, alice, "mine=asked", ask["id"])["thanks"] is None
    thank(api, alice, ask)
    for who, query in ((alice, "mine=asked"), (bob, "mine=helping")):
        said = _listed(api, who, query, ask["id"])["thanks"]
        assert (said["message"], said["impact"]) == (THANKS["message"], THANKS["impact"])


def test_an_ask_not_confirmed_has_no_thanks(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.ask(alice)
    assert _listed(api, bob, "for_me=true", ask["id"])["thanks"] is None
    assert api.call(bob, "GET", f"/asks/{ask['id']}").get_json()["thanks"] is None


def test_the_ask_read_alone_carries_its_thanks(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.confirmed(alice, bob)
    thank(api, alice, ask)
    said = api.call(bob, "GET", f"/asks/{ask['id']}").get_json()["thanks"]
    assert (said["message"], said["impact"]) == (THANKS["message"], THANKS["impact"])


def test_thanks_show_on_the_helpers_public_profile(api):
    alice, bob, carol = trio(api)
    ask = api.confirmed(alice, bob)
    thank(api, alice, ask)
    [shown] = api.call(carol, "GET", "/members/bob").get_json()["thanks_received"]
    assert (shown["ask_id"], shown["from_handle"]) == (ask["id"], "alice")
    assert shown["from_display_name"] == "Alice"
    assert (shown["message"], shown["impact"]) == (THANKS["message"], THANKS["impact"])


def test_asker_and_helper_talk_about_the_ask(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    assert say(api, alice, ask, "Thanks for taking it").status_code == 201
    assert say(api, bob, ask, "Happy to!").status_code == 201
    for who in (alice, bob):
        items = read(api, who, ask).get_json()["items"]
        assert [(m["author"]["handle"], m["body"]) for m in items] == [
            ("alice", "Thanks for taking it"), ("bob", "Happy to!")]


def test_others_cannot_read_the_conversation(api):
    alice, bob, carol = trio(api)
    ask = api.matched(alice, bob)
    say(api, alice, ask)
    assert read(api, carol, ask).status_code == 403


def test_others_cannot_post_in_the_conversation(api):
    alice, bob, carol = trio(api)
    r = say(api, carol, api.matched(alice, bob))
    assert r.status_code == 403 and r.get_json()["reason"] == "not_participant"


def test_others_do_not_even_see_the_conversation_of_a_hidden_ask(api, make_uow):
    alice, bob, carol = trio(api)
    ask = api.matched(alice, bob)
    hide_ask(make_uow, ask["id"])
    assert read(api, carol, ask).status_code == 404
    assert say(api, carol, ask).status_code == 404


def test_the_conversation_opens_once_a_helper_takes_the_ask(api):
    alice = api.member("alice")
    r = say(api, alice, api.ask(alice))
    assert r.status_code == 409 and r.get_json()["reason"] == "no_helper"


def test_a_message_of_2000_characters_is_fine(api):
    alice, bob = api.member("alice"), api.member("bob")
    assert say(api, alice, api.matched(alice, bob), "m" * 2000).status_code == 201


def test_an_empty_or_too_long_message_is_refused(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    assert "body" in field_errors(say(api, alice, ask, ""))
    assert "body" in field_errors(say(api, alice, ask, "m" * 2001))
    assert read(api, alice, ask).get_json()["items"] == []


def test_the_other_party_is_notified_of_a_message(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    msg = say(api, bob, ask, "I can do Thursday").get_json()
    [note] = notes(api, alice, "message.new")
    assert note["data"]["ask_id"] == ask["id"]
    assert note["data"]["message"]["id"] == msg["id"]
    assert note["data"]["message"]["body"] == "I can do Thursday"
    assert notes(api, bob, "message.new") == []


def test_message_text_comes_back_exactly_as_written(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    body = "<script>alert('hi')</script> & <b>bold</b>"
    assert say(api, alice, ask, body).get_json()["body"] == body
    assert read(api, bob, ask).get_json()["items"][0]["body"] == body
    assert notes(api, bob, "message.new")[0]["data"]["message"]["body"] == body
