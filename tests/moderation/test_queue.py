"""The review queue groups open flags by target, with the content and the author's history."""

from __future__ import annotations


def queue(api, who, status="open"):
    r = api.call(who, "GET", f"/mod/flags?status={status}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def test_flags_on_one_target_form_one_item(api, flag, mod):
    ask = api.ask(api.member())
    flag(api.member(), "ask", ask["id"], "spam")
    flag(api.member(), "ask", ask["id"], "off_topic", note="an advert")
    items = queue(api, mod)
    assert len(items) == 1
    assert [f["reason"] for f in items[0]["flags"]] == ["spam", "off_topic"]


def test_each_target_is_its_own_item(api, flag, mod):
    author = api.member()
    first, second = api.ask(author), api.ask(author, title="Another thing to read today")
    flag(api.member(), "ask", first["id"])
    flag(api.member(), "ask", second["id"])
    assert [i["target_id"] for i in queue(api, mod)] == [first["id"], second["id"]]


def test_an_item_shows_the_content_weight_and_flagger(api, flag, mod):
    ask = api.ask(api.member())
    flagger = api.member()
    flag(flagger, "ask", ask["id"], note="looks like spam")
    item = queue(api, mod)[0]
    assert (item["target"]["title"], item["weight"], item["hidden"]) == (ask["title"], 1, False)
    assert item["flags"][0]["flagger"]["handle"] == flagger["handle"]
    assert item["flags"][0]["note"] == "looks like spam"


def test_an_item_shows_the_authors_history(api, flag, flagged, mod):
    author, _, first = flagged()
    api.call(mod, "POST", f"/mod/flags/{first}/resolve", json={"action": "warn", "reason": "x"})
    ask = api.ask(author, title="A second ask to read please")
    flag(api.member(), "ask", ask["id"])
    history = queue(api, mod)[0]["author_history"]
    assert (history["recent_asks"], history["upheld_flags"]) == (2, 1)


def test_a_message_target_shows_its_body(api, flag, mod):
    author, helper = api.member(), api.member()
    ask = api.matched(author, helper)
    msg = api.call(author, "POST", f"/asks/{ask['id']}/messages", json={"body": "rude"})
    flag(helper, "message", msg.get_json()["id"], "harassment")
    assert queue(api, mod)[0]["target"]["body"] == "rude"


def test_resolved_flags_leave_the_open_queue(api, flagged, mod):
    _, _, flag_id = flagged()
    api.call(mod, "POST", f"/mod/flags/{flag_id}/resolve", json={"action": "dismiss",
                                                                 "reason": "fine"})
    assert queue(api, mod) == []
    assert len(queue(api, mod, "dismissed")) == 1


def test_a_claim_shows_who_is_reviewing(api, flagged, mod):
    _, _, flag_id = flagged()
    assert api.call(mod, "POST", f"/mod/flags/{flag_id}/claim").status_code == 200
    assert queue(api, mod)[0]["claimed_by"]["handle"] == mod["handle"]
