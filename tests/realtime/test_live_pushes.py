"""Pushes over real Socket.IO from a live ``exchange serve``: each reaches the right member.

Members are made through the in-process app (cheap password hashing); actions go over HTTP to
the live server or through the in-process app, and jobs run in an in-process worker — every
path publishes on the same Redis channel, which is the point.
"""

from __future__ import annotations

import threading

import pytest

from exchange import payloads
from tests.realtime.live import settle

pytestmark = pytest.mark.slow


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_a_posted_ask_is_offered_live_to_both_fitting_helpers(job_api, listen, server,
                                                              run_jobs):
    asker = job_api.member("asker")
    helpers = [listen(job_api.member(h, skills=["python"])) for h in ("pya", "pyb")]
    _ok(server.call(asker, "POST", "/asks", json={"title": "Review my Python loop",
                                                  "minutes": 15, "tags": ["python"]}), 201)
    run_jobs()
    for helper in helpers:
        [offer] = helper.wait_for("ask.offered")
        payloads.validate_notification(offer)
        assert offer["data"]["wave"] == 1 and offer["data"]["reasons"]


def test_a_helper_without_the_skill_is_not_offered_the_ask(job_api, listen, run_jobs,
                                                           publisher):
    asker = job_api.member("asker")
    fitting = listen(job_api.member("pyhelper", skills=["python"]))
    cook = listen(job_api.member("cook", skills=["cooking"]))
    job_api.ask(asker, tags=["python"])
    run_jobs()
    assert fitting.wait_for("ask.offered")
    assert settle(cook, publisher)
    assert cook.received("ask.offered") == []


def _race(server, helpers, ask_id) -> list[int]:
    barrier = threading.Barrier(len(helpers))
    statuses: list[int] = []

    def accept(who):
        barrier.wait()
        statuses.append(server.call(who, "POST", f"/asks/{ask_id}/accept").status_code)

    threads = [threading.Thread(target=accept, args=(h,)) for h in helpers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sorted(statuses)


def test_of_two_racing_accepts_the_asker_hears_of_exactly_one(job_api, listen, server,
                                                              publisher):
    asker = job_api.member("asker")
    helpers = [job_api.member("first"), job_api.member("second")]
    ask = job_api.ask(asker)
    asked = listen(asker)
    assert _race(server, helpers, ask["id"]) == [200, 409]
    [accepted] = asked.wait_for("ask.accepted")
    assert settle(asked, publisher)
    assert len(asked.notes("ask.accepted")) == 1
    assert accepted["data"]["ask"]["helper"]["handle"] in ("first", "second")


def test_the_loser_of_an_accept_race_hears_the_ask_was_taken(job_api, listen, server,
                                                             publisher):
    asker = job_api.member("asker")
    helpers = [job_api.member("first"), job_api.member("second")]
    ask = job_api.ask(asker)
    first, second = (listen(h) for h in helpers)
    assert _race(server, helpers, ask["id"]) == [200, 409]
    winner = job_api.call(asker, "GET", f"/asks/{ask['id']}").get_json()["helper"]["handle"]
    loser, won = (second, first) if winner == "first" else (first, second)
    assert len(loser.wait_for("ask.taken")) == 1
    assert settle(won, publisher)
    assert won.notes("ask.taken") == []


def test_delivered_reaches_the_asker_only(job_api, listen, server, publisher):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper)
    asked, helping = listen(asker), listen(helper)
    _ok(server.call(helper, "POST", f"/asks/{ask['id']}/deliver"))
    [note] = asked.wait_for("ask.delivered")
    assert note["data"]["ask"]["status"] == "delivered"
    assert settle(helping, publisher)
    assert helping.received("ask.delivered") == []


def test_confirmed_and_thanks_reach_the_helper_only(job_api, listen, server, publisher):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper)
    asked, helping = listen(asker), listen(helper)
    _ok(server.call(asker, "POST", f"/asks/{ask['id']}/confirm", json={"minutes": 25}))
    _ok(server.call(asker, "POST", f"/asks/{ask['id']}/thanks",
                    json={"message": "That really helped."}), 201)
    [confirmed] = helping.wait_for("ask.confirmed")
    [thanks] = helping.wait_for("thanks.received")
    assert confirmed["data"]["minutes"] == 25
    assert thanks["data"]["thanks"]["message"] == "That really helped."
    assert settle(asked, publisher)
    assert not {"ask.confirmed", "thanks.received"} & set(asked.kinds())


def test_an_action_on_one_web_process_reaches_a_client_on_another(job_api, listen, server,
                                                                   serve):
    a, b = server, serve()
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.ask(asker)
    on_b = listen(asker, url=b.url)
    _ok(a.call(helper, "POST", f"/asks/{ask['id']}/accept"))
    [note] = on_b.wait_for("ask.accepted")
    assert note["data"]["ask"]["id"] == ask["id"]


def test_a_batch_of_pushes_reaches_each_member_once_in_order(job_api, listen, publisher):
    """``push_many`` (a wave's pushes in one pipeline) delivers what ``push`` would: each
    member gets theirs, once, in the order published, and nobody else's."""
    a, b = listen(job_api.member("batcha")), listen(job_api.member("batchb"))
    notes = [(who, {"id": 10_000 + i, "kind": "nudge", "created_at": "2026-12-03T12:00:00+00:00",
                    "read_at": None, "data": {"n": i}})
             for i, who in enumerate([a, b, a, a, b])]
    publisher.push_many([(who.member_id, "nudge", note) for who, note in notes])
    got_a, got_b = a.wait_for("nudge", count=3), b.wait_for("nudge", count=2)
    assert [n["data"]["n"] for n in got_a] == [0, 2, 3]
    assert [n["data"]["n"] for n in got_b] == [1, 4]
    assert settle(a, publisher) and settle(b, publisher)
    assert len(a.received("nudge")) == 3 and len(b.received("nudge")) == 2
