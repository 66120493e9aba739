"""Every transition stores the right notification for the right person."""

from __future__ import annotations

import pytest

from tests.web.flow_helpers import notes


def act(api, who, ask, verb):
    r = api.call(who, "POST", f"/asks/{ask['id']}/{verb}")
    return r


def as_api_shows(api, who, ask_id) -> dict:
    return api.call(who, "GET", f"/asks/{ask_id}").get_json()


def only(api, who, kind) -> dict:
    [note] = notes(api, who, kind)
    return note


def test_the_asker_hears_when_a_helper_accepts(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    note = only(api, alice, "ask.accepted")
    assert note["data"]["ask"] == as_api_shows(api, alice, ask["id"])
    assert note["data"]["ask"]["status"] == "matched"
    assert notes(api, bob, "ask.accepted") == []


def test_the_asker_hears_when_the_helper_withdraws(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    act(api, bob, ask, "withdraw")
    note = only(api, alice, "ask.withdrawn")
    assert note["data"]["ask"] == as_api_shows(api, alice, ask["id"])
    assert note["data"]["ask"]["status"] == "open"


def test_the_helper_hears_when_the_asker_cancels(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    act(api, alice, ask, "cancel")
    note = only(api, bob, "ask.cancelled")
    assert note["data"]["ask"] == as_api_shows(api, bob, ask["id"])
    assert note["data"]["ask"]["status"] == "cancelled"


def test_cancelling_an_open_ask_notifies_nobody(api):
    alice = api.member("alice")
    act(api, alice, api.ask(alice), "cancel")
    assert notes(api, alice) == []


def test_the_asker_hears_when_the_help_is_delivered(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    act(api, bob, ask, "deliver")
    note = only(api, alice, "ask.delivered")
    assert note["data"]["ask"] == as_api_shows(api, alice, ask["id"])
    assert note["data"]["ask"]["status"] == "delivered"


def test_the_helper_hears_when_the_asker_confirms(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.confirmed(alice, bob, minutes=30)
    note = only(api, bob, "ask.confirmed")
    assert note["data"]["ask"] == as_api_shows(api, bob, ask["id"])
    assert note["data"]["ask"]["status"] == "confirmed"


def test_a_helper_who_lost_the_ask_hears_it_was_taken(api):
    alice, bob, carol = api.member("alice"), api.member("bob"), api.member("carol")
    ask = api.matched(alice, bob)
    assert act(api, carol, ask, "accept").status_code == 409
    note = only(api, carol, "ask.taken")
    assert note["data"]["ask"]["id"] == ask["id"]
    assert note["data"]["ask"]["status"] == "matched"
    assert note["data"]["ask"].keys() == as_api_shows(api, carol, ask["id"]).keys()


def test_retried_transitions_do_not_notify_twice(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    act(api, bob, ask, "accept")
    act(api, alice, ask, "confirm")
    act(api, alice, ask, "confirm")
    assert len(notes(api, alice, "ask.accepted")) == 1
    assert len(notes(api, bob, "ask.confirmed")) == 1


def test_notifications_list_oldest_first_after_an_id(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.matched(alice, bob)
    act(api, bob, ask, "deliver")
    first, second = notes(api, alice)
    assert first["id"] < second["id"]
    assert [first["kind"], second["kind"]] == ["ask.accepted", "ask.delivered"]
    after = api.call(alice, "GET", f"/notifications?after={first['id']}").get_json()["items"]
    assert [n["id"] for n in after] == [second["id"]]


def test_notifications_list_in_commit_order_after_one_of_them(api, db, make_uow):
    """``seq`` is the member's commit order; on PostgreSQL it can differ from id order (two
    writers at once: tests/realtime/test_resume.py). Here the two rows' numbers are swapped
    by hand so the list has to follow ``seq``, not ``id``, on either database."""
    from sqlalchemy import text

    from exchange.notifications import service as notes_service
    alice, bob = api.member("alice"), api.member("bob")
    with make_uow() as uow:  # bob's, before hers: a lower id that is not one of hers
        bobs = notes_service.notify(uow, member_id=bob["id"], kind="mod.warning",
                                    data={"message": "hello"}).id
        uow.commit()
    act(api, bob, api.matched(alice, bob), "deliver")
    first, second = notes(api, alice)
    assert (first["seq"], second["seq"]) == (1, 2)
    with db.engine.begin() as conn:  # as if "second" had committed first
        for step in ("-seq", "3 + seq"):
            conn.execute(text(f"UPDATE notifications SET seq = {step} WHERE member_id = :m"),
                         {"m": alice["id"]})

    def listed(after):
        r = api.call(alice, "GET", f"/notifications?after={after}")
        assert r.status_code == 200
        return [(n["id"], n["seq"]) for n in r.get_json()["items"]]

    assert listed(0) == [(second["id"], 1), (first["id"], 2)]
    assert listed(second["id"]) == [(first["id"], 2)]  # the lower id, committed later
    assert listed(first["id"]) == []
    # An id that is not one of hers is taken as a plain id, as before.
    assert listed(bobs) == [(second["id"], 1), (first["id"], 2)]
    assert listed(2147483647) == []


def test_each_member_lists_only_their_own_notifications(api):
    alice, bob = api.member("alice"), api.member("bob")
    api.matched(alice, bob)
    assert notes(api, bob) == []


def test_marking_by_ids_reads_only_those(api):
    alice, bob = api.member("alice"), api.member("bob")
    act(api, bob, api.matched(alice, bob), "deliver")
    first, second = notes(api, alice)
    r = api.call(alice, "POST", "/notifications/read", json={"ids": [first["id"]]})
    assert r.status_code == 200 and r.get_json() == {"marked": 1}
    first, second = notes(api, alice)
    assert first["read_at"] is not None and second["read_at"] is None


def test_marking_up_to_an_id_reads_everything_until_it(api):
    alice, bob = api.member("alice"), api.member("bob")
    act(api, bob, api.matched(alice, bob), "deliver")
    _, second = notes(api, alice)
    r = api.call(alice, "POST", "/notifications/read", json={"up_to": second["id"]})
    assert r.get_json() == {"marked": 2}
    assert all(n["read_at"] for n in notes(api, alice))


def test_marking_cannot_touch_another_members_notifications(api):
    alice, bob = api.member("alice"), api.member("bob")
    api.matched(alice, bob)
    [note] = notes(api, alice)
    r = api.call(bob, "POST", "/notifications/read", json={"ids": [note["id"]]})
    assert r.get_json() == {"marked": 0}
    assert notes(api, alice)[0]["read_at"] is None


@pytest.mark.parametrize("body", [{}, {"ids": [1], "up_to": 1}])
def test_marking_needs_exactly_one_of_ids_or_up_to(api, body):
    r = api.call(api.member(), "POST", "/notifications/read", json=body)
    assert r.status_code == 422


def test_recent_gives_the_latest_newest_first_and_the_unread_count(api):
    alice, bob = api.member("alice"), api.member("bob")
    for _ in range(2):  # bob's capacity
        act(api, bob, api.matched(alice, bob), "deliver")
    recent = api.call(alice, "GET", "/notifications/recent?limit=3").get_json()
    seqs = [n["seq"] for n in recent["items"]]
    assert len(seqs) == 3 and seqs == sorted(seqs, reverse=True)
    everything = api.call(alice, "GET", "/notifications").get_json()["items"]
    assert [n["id"] for n in recent["items"]] == [n["id"] for n in everything[::-1][:3]]
    assert recent["unread"] == len(everything) == 4  # accepted and delivered, twice
    newest = recent["items"][0]["id"]
    assert api.call(alice, "POST", "/notifications/read", json={"up_to": newest}).status_code == 200
    assert api.call(alice, "GET", "/notifications/recent").get_json()["unread"] == 0
    assert api.call(bob, "GET", "/notifications/recent").get_json()["items"] == []  # only own
