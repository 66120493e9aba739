""""Not this time": a private, idempotent pass. The ask leaves the helper's feed, is never
offered to them again, and nobody else learns of it."""

from __future__ import annotations

from exchange.notifications.models import Notification
from exchange.offers.models import Offer


def _feed(api, who) -> list[int]:
    r = api.call(who, "GET", "/asks?for_me=true&status=open")
    assert r.status_code == 200
    return [a["id"] for a in r.get_json()["items"]]


def _notes(make_uow) -> list[tuple[int, str]]:
    with make_uow() as uow:
        return [(n.member_id, n.kind) for n in uow.session.query(Notification)]


def test_a_pass_takes_the_ask_out_of_the_helpers_feed_and_tells_nobody(api, make_uow):
    asker, helper = api.member("asker"), api.member("helper")
    ask = api.ask(asker)
    assert ask["id"] in _feed(api, helper)
    before = _notes(make_uow)
    r = api.call(helper, "POST", f"/asks/{ask['id']}/pass")
    assert r.status_code == 204 and r.data == b""
    assert ask["id"] not in _feed(api, helper)
    assert _notes(make_uow) == before
    mine = api.call(asker, "GET", f"/asks/{ask['id']}").get_json()
    assert mine["status"] == "open"


def test_passing_twice_is_passing_once(api):
    asker, helper = api.member("asker"), api.member("helper")
    ask = api.ask(asker)
    for _ in range(2):
        assert api.call(helper, "POST", f"/asks/{ask['id']}/pass").status_code == 204


def test_a_helper_who_passed_can_still_change_their_mind_and_help(api):
    asker, helper = api.member("asker"), api.member("helper")
    ask = api.ask(asker)
    api.call(helper, "POST", f"/asks/{ask['id']}/pass")
    r = api.call(helper, "POST", f"/asks/{ask['id']}/accept")
    assert r.status_code == 200 and r.get_json()["status"] == "matched"


def test_you_cannot_pass_on_your_own_ask_or_on_one_you_are_helping_with(api):
    asker, helper = api.member("asker"), api.member("helper")
    ask = api.matched(asker, helper)
    r = api.call(asker, "POST", f"/asks/{ask['id']}/pass")
    assert (r.status_code, r.get_json()["reason"]) == (403, "own_ask")
    r = api.call(helper, "POST", f"/asks/{ask['id']}/pass")
    assert (r.status_code, r.get_json()["reason"]) == (409, "wrong_state")


def test_a_helper_who_passed_cannot_withdraw_from_an_ask_they_never_held(api):
    # Found by tests/integration/test_life_properties.py: withdraw took any skip row (a pass
    # too) for an earlier withdrawal of the caller's and answered 200 with the ask.
    asker, helper = api.member("asker"), api.member("helper")
    ask = api.ask(asker)
    api.call(helper, "POST", f"/asks/{ask['id']}/pass")
    r = api.call(helper, "POST", f"/asks/{ask['id']}/withdraw")
    assert (r.status_code, r.get_json()["reason"]) == (403, "not_helper")
    mine = api.call(asker, "GET", f"/asks/{ask['id']}").get_json()
    assert (mine["status"], mine["helper"]) == ("open", None)


def test_a_helper_who_passed_then_helped_can_still_withdraw(api):
    # Found by tests/integration/test_life_properties.py: the withdrawal's skip row collided
    # with the pass's (same ask, same member) and the request failed with a 500.
    asker, helper = api.member("asker"), api.member("helper")
    ask = api.ask(asker)
    api.call(helper, "POST", f"/asks/{ask['id']}/pass")
    assert api.call(helper, "POST", f"/asks/{ask['id']}/accept").status_code == 200
    r = api.call(helper, "POST", f"/asks/{ask['id']}/withdraw")
    assert (r.status_code, r.get_json()["status"]) == (200, "open")
    r = api.call(helper, "POST", f"/asks/{ask['id']}/accept")  # a withdrawal, not a pass, now
    assert (r.status_code, r.get_json()["reason"]) == (409, "withdrew_before")


def test_passing_on_an_unknown_ask_is_not_found(api):
    helper = api.member("helper")
    assert api.call(helper, "POST", "/asks/999999/pass").status_code == 404


def test_a_passed_offer_is_answered_and_never_offered_again(job_api, run_jobs, make_uow,
                                                            time_machine):
    from datetime import UTC, datetime, timedelta
    asker = job_api.member("asker")
    helpers = [job_api.member(f"helper{i}", skills=["python"]) for i in range(3)]
    ask = job_api.ask(asker, tags=["python"])
    run_jobs()
    with make_uow() as uow:
        first = [o.member_id for o in uow.session.query(Offer).filter_by(ask_id=ask["id"])]
    passer = next(h for h in helpers if h["id"] in first)
    assert job_api.call(passer, "POST", f"/asks/{ask['id']}/pass").status_code == 204
    # A helper steps back after taking it: a new round of matching starts, skipping them —
    # and still never offers the ask to the helper who passed.
    taker = next(h for h in helpers if h["id"] != passer["id"])
    assert job_api.call(taker, "POST", f"/asks/{ask['id']}/accept").status_code == 200
    assert job_api.call(taker, "POST", f"/asks/{ask['id']}/withdraw").status_code == 200
    for _ in range(4):
        time_machine.move_to(datetime.now(UTC) + timedelta(seconds=5), tick=False)
        run_jobs()
    with make_uow() as uow:
        offers = [(o.member_id, o.response)
                  for o in uow.session.query(Offer).filter_by(ask_id=ask["id"])]
    assert (passer["id"], "passed") in offers
    assert [member for member, _ in offers].count(passer["id"]) == 1
