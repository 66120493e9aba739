"""Flagging: who may flag what, once, and how weight hides a target pending review."""

from __future__ import annotations

from sqlalchemy import select

from exchange.notifications.models import Notification


def kinds(db, member_id: int) -> list[tuple[str, dict]]:
    with db.session() as s:
        rows = s.scalars(select(Notification).where(Notification.member_id == member_id)
                         .order_by(Notification.id))
        return [(n.kind, n.data) for n in rows if n.kind.startswith(("mod.", "account."))]


def test_a_member_can_flag_an_ask_with_a_reason_and_note(api, flag):
    ask = api.ask(api.member())
    r = flag(api.member(), "ask", ask["id"], "off_topic", note="Not an ask for help")
    assert r.status_code == 201
    assert (r.get_json()["reason"], r.get_json()["status"]) == ("off_topic", "open")


def test_an_unknown_reason_is_a_field_error(api, flag):
    ask = api.ask(api.member())
    assert flag(api.member(), "ask", ask["id"], "rude").status_code == 422


def test_a_note_longer_than_500_characters_is_a_field_error(api, flag):
    ask = api.ask(api.member())
    assert flag(api.member(), "ask", ask["id"], note="x" * 501).status_code == 422


def test_flagging_the_same_target_twice_while_open_is_a_conflict(api, flag):
    ask, flagger = api.ask(api.member()), api.member()
    flag(flagger, "ask", ask["id"])
    assert flag(flagger, "ask", ask["id"]).status_code == 409


def test_a_member_cannot_flag_themselves(api, flag):
    me = api.member()
    assert flag(me, "member", me["id"]).status_code == 403


def test_a_member_cannot_flag_their_own_ask(api, flag):
    me = api.member()
    assert flag(me, "ask", api.ask(me)["id"]).status_code == 403


def test_flagging_an_ask_you_cannot_see_is_404(api, flag):
    author, flagger = api.member(), api.member()
    ask = api.ask(author)
    api.call(author, "POST", f"/members/{flagger['handle']}/block")
    assert flag(flagger, "ask", ask["id"]).status_code == 404


def test_flagging_a_message_outside_your_conversation_is_404(api, flag):
    author, helper = api.member(), api.member()
    ask = api.matched(author, helper)
    msg = api.call(author, "POST", f"/asks/{ask['id']}/messages", json={"body": "hi"}).get_json()
    assert flag(api.member(), "message", msg["id"]).status_code == 404


def test_the_other_side_of_a_conversation_can_flag_a_message(api, flag):
    author, helper = api.member(), api.member()
    ask = api.matched(author, helper)
    msg = api.call(author, "POST", f"/asks/{ask['id']}/messages", json={"body": "hi"}).get_json()
    assert flag(helper, "message", msg["id"], "harassment").status_code == 201


def test_a_new_members_flag_weighs_one(api, flag):
    ask = api.ask(api.member())
    assert flag(api.member(), "ask", ask["id"]).get_json()["weight"] == 1


def test_a_trusted_flagger_weighs_more(api, flag):
    flagger = api.member()
    api.confirmed(api.member(), flagger)
    ask = api.ask(api.member())
    assert flag(flagger, "ask", ask["id"]).get_json()["weight"] == 2


def test_three_new_members_hide_an_ask(api, flag):
    author = api.member()
    ask = api.ask(author)
    for _ in range(3):
        flag(api.member(), "ask", ask["id"])
    assert api.call(api.member(), "GET", f"/asks/{ask['id']}").status_code == 404


def test_two_new_members_do_not_hide_an_ask(api, flag):
    ask = api.ask(api.member())
    for _ in range(2):
        flag(api.member(), "ask", ask["id"])
    assert api.call(api.member(), "GET", f"/asks/{ask['id']}").status_code == 200


def test_one_trusted_and_one_new_flagger_reach_the_threshold(api, flag):
    trusted = api.member()
    api.confirmed(api.member(), trusted)
    ask = api.ask(api.member())
    flag(trusted, "ask", ask["id"])
    flag(api.member(), "ask", ask["id"])
    assert api.call(api.member(), "GET", f"/asks/{ask['id']}").status_code == 404


def test_the_author_is_told_kindly_when_hidden_pending_review(api, flag, db):
    author = api.member()
    ask = api.ask(author)
    for _ in range(3):
        flag(api.member(), "ask", ask["id"])
    kind, data = kinds(db, author["id"])[-1]
    assert kind == "mod.warning"
    assert data["action"] == "hidden_pending_review"
    assert (data["target_type"], data["target_id"]) == ("ask", ask["id"])


def test_a_member_flagged_to_the_threshold_has_a_404_profile(api, flag):
    target = api.member()
    for _ in range(3):
        flag(api.member(), "member", target["id"], "harassment")
    assert api.call(api.member(), "GET", f"/members/{target['handle']}").status_code == 404


def test_a_hidden_member_still_sees_their_own_profile(api, flag):
    target = api.member()
    for _ in range(3):
        flag(api.member(), "member", target["id"], "harassment")
    assert api.call(target, "GET", f"/members/{target['handle']}").status_code == 200


def test_every_moderator_is_told_of_a_new_flag(api, flag, mod, admin, db):
    ask = api.ask(api.member())
    flag(api.member(), "ask", ask["id"])
    expected = ("mod.flagged", {"target_type": "ask", "target_id": ask["id"], "weight": 1,
                                "hidden": False})
    assert kinds(db, mod["id"]) == [expected]
    assert kinds(db, admin["id"]) == [expected]


def test_a_flagger_with_three_upheld_flags_earns_the_bonus(api, flag, flagged, mod):
    flagger = api.member()
    for _ in range(3):
        _, _, flag_id = flagged(flagger=flagger)
        api.call(mod, "POST", f"/mod/flags/{flag_id}/resolve", json={"action": "hide",
                                                                     "reason": "spam"})
    ask = api.ask(api.member())
    assert flag(flagger, "ask", ask["id"]).get_json()["weight"] == 2
