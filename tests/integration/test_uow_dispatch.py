"""The unit of work: events leave only after a commit, once, in order, and a failing handler
cannot undo what was committed (exchange/uow.py, exchange/dispatch.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange import events
from exchange.asks import service as asks
from exchange.asks.models import Ask
from exchange.members.models import Member
from tests.integration.support import add_members, in_lockstep

ALL_KINDS = (events.NotificationStored, events.AskPosted, events.AskReopened,
             events.AskStateChanged, events.HelpConfirmed, events.OffPageDue,
             events.AskClosedToHelpers)


class Boom(Exception):
    pass


@pytest.fixture
def seen(dispatcher):
    """Every event the dispatcher hands out, in the order it hands them out."""
    got: list[events.Event] = []
    for kind in ALL_KINDS:
        dispatcher.subscribe(kind, got.append)
    return got


@pytest.fixture
def pair(make_uow):
    return add_members(make_uow, 2)


def _post(uow, author_id: int) -> Ask:
    actor = uow.session.get(Member, author_id)
    return asks.post_ask(uow, actor=actor, data={"title": "Help me name my cat", "minutes": 10})


def _ask_count(make_uow) -> int:
    with make_uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Ask))


def test_events_of_a_unit_that_raised_are_never_dispatched(make_uow, pair, seen):
    with pytest.raises(Boom), make_uow() as uow:
        _post(uow, pair[0])
        assert uow.events
        raise Boom
    assert seen == []
    assert _ask_count(make_uow) == 0


def test_events_of_a_unit_left_without_commit_are_never_dispatched(make_uow, pair, seen):
    with make_uow() as uow:
        _post(uow, pair[0])
    assert seen == []
    assert _ask_count(make_uow) == 0


def test_an_explicit_rollback_drops_the_events_emitted_before_it(make_uow, pair, seen):
    with make_uow() as uow:
        _post(uow, pair[0])
        uow.rollback()
        uow.commit()
    assert seen == []


def test_committed_events_are_dispatched_in_the_order_they_were_emitted(make_uow, pair, seen):
    author, helper = pair
    with make_uow() as uow:
        ask = _post(uow, author)
        asks.accept_ask(uow, actor=uow.session.get(Member, helper), ask_id=ask.id)
        emitted = list(uow.events)
        uow.commit()
    assert [type(e) for e in emitted] == [events.AskPosted, events.AskStateChanged,
                                          events.NotificationStored, events.OffPageDue,
                                          events.AskClosedToHelpers]
    assert seen == emitted


def test_committed_events_are_dispatched_only_once(make_uow, pair, seen):
    with make_uow() as uow:
        _post(uow, pair[0])
        uow.commit()
        uow.commit()
    assert [type(e) for e in seen] == [events.AskPosted]


def test_a_failing_handler_does_not_undo_the_commit(make_uow, pair, dispatcher, seen, caplog):
    def explode(_event):
        raise Boom("push service down")

    dispatcher.subscribe(events.AskPosted, explode)
    with make_uow() as uow:
        _post(uow, pair[0])
        uow.commit()
    assert _ask_count(make_uow) == 1
    assert "push service down" in caplog.text


def test_a_failing_handler_does_not_stop_the_events_after_it(make_uow, pair, dispatcher, seen):
    dispatcher.subscribe(events.AskPosted, _raise)  # after ``seen``: the first event fails
    with make_uow() as uow:
        _post(uow, pair[0])
        _post(uow, pair[0])
        uow.commit()
    assert [type(e) for e in seen] == [events.AskPosted, events.AskPosted]


def _raise(_event):
    raise Boom


# An accept that loses (the conditional UPDATE changes no row) fails the request with 409, yet
# the ask.taken note it wrote must be committed and pushed: LostRace is the error that persists.

def test_accepting_an_ask_someone_already_took_answers_409_ask_taken(api):
    alice, bob, carol = api.member("alice"), api.member("bob"), api.member("carol")
    ask = api.matched(alice, bob)
    r = api.call(carol, "POST", f"/asks/{ask['id']}/accept")
    assert (r.status_code, r.get_json()["reason"]) == (409, "ask_taken")


def test_the_refused_accept_still_commits_its_ask_taken_note(api):
    alice, bob, carol = api.member("alice"), api.member("bob"), api.member("carol")
    ask = api.matched(alice, bob)
    api.call(carol, "POST", f"/asks/{ask['id']}/accept")
    notes = api.call(carol, "GET", "/notifications").get_json()["items"]
    assert [(n["kind"], n["data"]["ask"]["id"]) for n in notes] == [("ask.taken", ask["id"])]


def test_the_refused_accept_still_pushes_its_ask_taken_note(api, seen):
    alice, bob, carol = api.member("alice"), api.member("bob"), api.member("carol")
    ask = api.matched(alice, bob)
    seen.clear()
    api.call(carol, "POST", f"/asks/{ask['id']}/accept")
    assert [(e.member_id, e.kind) for e in seen] == [(carol["id"], "ask.taken")]


RACERS = 6


def test_every_loser_of_a_real_accept_race_gets_its_note_stored_and_pushed_once(app, api, seen):
    author = api.member("alice")
    racers = [api.member(f"racer{i}") for i in range(RACERS)]
    ask = api.ask(author)
    seen.clear()

    def accept(i: int) -> int:  # a test client per thread, all released at once
        return app.test_client().post(f"/api/v1/asks/{ask['id']}/accept",
                                      headers=racers[i]["headers"]).status_code

    codes = in_lockstep(RACERS, accept)
    assert sorted(codes) == [200] + [409] * (RACERS - 1)
    losers = sorted(r["id"] for r, code in zip(racers, codes, strict=True) if code == 409)
    pushed = [e.member_id for e in seen
              if isinstance(e, events.NotificationStored) and e.kind == "ask.taken"]
    assert sorted(pushed) == losers
    stored = {r["id"]: [n["kind"] for n in
                        api.call(r, "GET", "/notifications").get_json()["items"]]
              for r in racers if r["id"] in losers}
    assert stored == {loser: ["ask.taken"] for loser in losers}


def test_accepting_a_cancelled_ask_is_not_reported_as_a_lost_race(api):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.ask(alice)
    api.call(alice, "POST", f"/asks/{ask['id']}/cancel")
    r = api.call(bob, "POST", f"/asks/{ask['id']}/accept")
    assert (r.status_code, r.get_json()["reason"]) == (409, "wrong_state")
    assert api.call(bob, "GET", "/notifications").get_json()["items"] == []
