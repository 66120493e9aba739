"""An ask that closes before anyone takes it tells the helpers still holding an offer of it.

Cancelled by its author, expired, or hidden by a moderator (directly, on a flag, by the
flags' weight, by the author's suspension): each helper with an unanswered offer gets one
``offer.closed`` note (``data``: ``ask_id``, ``why``, ``title`` — None when hidden), stored like
every push, so an open page drops the card and a page that reconnects catches up. A helper who
passed, the winner, and the author hear nothing of it; taken asks keep their ``ask.taken``.
Trying to take a closed ask is answered with what happened, never "someone else is helping".
The flows run through the API and the real matching job (``tests/fixtures/jobs.py``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from exchange import payloads
from exchange.asks.models import Ask
from exchange.members.models import Member
from exchange.notifications.models import Notification
from exchange.notifications.service import as_payload
from workers import asks as ask_jobs

TITLE = "Review my Python loop"


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _closed_notes(make_uow, ask_id: int) -> dict[int, list[dict]]:
    """Every ``offer.closed`` note about the ask, by member, each checked against its schema."""
    found: dict[int, list[dict]] = {}
    with make_uow() as uow:
        for row in uow.session.query(Notification).filter_by(kind="offer.closed", ask_id=ask_id):
            payloads.validate_notification(as_payload(row))
            found.setdefault(row.member_id, []).append(row.data)
    return found


@pytest.fixture
def offered(job_api, run_jobs):
    """An open ask offered by the matching job to two helpers; returns (asker, helpers, ask)."""
    asker = job_api.member("asker")
    helpers = [job_api.member(h, skills=["python"]) for h in ("pya", "pyb")]
    ask = job_api.ask(asker, title=TITLE, tags=["python"])
    run_jobs()
    for helper in helpers:
        offers = job_api.call(helper, "GET", "/notifications").get_json()["items"]
        assert [n["data"]["ask"]["id"] for n in offers if n["kind"] == "ask.offered"] == [ask["id"]]
    return asker, helpers, ask


def _moderator(job_api, make_uow, handle="mod"):
    who = job_api.member(handle)
    with make_uow() as uow:
        uow.session.get(Member, who["id"]).role = "moderator"
        uow.commit()
    return who


def test_cancelling_tells_each_offered_helper_once_and_nobody_else(offered, job_api, make_uow):
    asker, helpers, ask = offered
    _ok(job_api.call(asker, "POST", f"/asks/{ask['id']}/cancel"))
    _ok(job_api.call(asker, "POST", f"/asks/{ask['id']}/cancel"))  # a retry says nothing more
    assert _closed_notes(make_uow, ask["id"]) == {
        h["id"]: [{"ask_id": ask["id"], "why": "cancelled", "title": TITLE}] for h in helpers}


def test_taking_a_cancelled_ask_says_it_was_cancelled_not_taken(offered, job_api):
    asker, (helper, _), ask = offered
    _ok(job_api.call(asker, "POST", f"/asks/{ask['id']}/cancel"))
    body = _ok(job_api.call(helper, "POST", f"/asks/{ask['id']}/accept"), 409)
    assert body["reason"] == "wrong_state"
    assert "doesn't need this one any more" in body["message"]
    assert "someone else" not in body["message"].lower()
    kinds = [n["kind"] for n in job_api.call(helper, "GET", "/notifications").get_json()["items"]]
    assert "ask.taken" not in kinds and kinds.count("offer.closed") == 1


def test_taking_an_expired_ask_says_its_time_passed(offered, job_api, make_uow):
    _, (helper, other), ask = offered
    with make_uow() as uow:
        row = uow.session.get(Ask, ask["id"])
        uow.session.execute(update(Ask).where(Ask.id == ask["id"]).values(
            created_at=row.created_at - timedelta(days=15)))
        uow.commit()
    assert ask_jobs.expire_ask(ask["id"]) == "expired"
    closed = _closed_notes(make_uow, ask["id"])
    assert {m: [d["why"] for d in notes] for m, notes in closed.items()} == {
        helper["id"]: ["expired"], other["id"]: ["expired"]}
    body = _ok(job_api.call(helper, "POST", f"/asks/{ask['id']}/accept"), 409)
    assert "time has passed" in body["message"] and "someone else" not in body["message"].lower()


def test_a_moderator_hiding_it_tells_offered_helpers_without_its_title(offered, job_api,
                                                                       make_uow):
    asker, (helper, other), ask = offered
    mod = _moderator(job_api, make_uow)
    _ok(job_api.call(mod, "POST", f"/mod/asks/{ask['id']}/hide",
                     json={"reason": "Personal details in the title."}))
    closed = _closed_notes(make_uow, ask["id"])
    assert closed == {m["id"]: [{"ask_id": ask["id"], "why": "hidden", "title": None}]
                      for m in (helper, other)}
    with make_uow() as uow:  # the moderator's reason goes to the author only
        for row in uow.session.query(Notification).filter_by(ask_id=ask["id"]):
            assert "Personal details" not in str(row.data) or row.member_id == asker["id"]
    body = _ok(job_api.call(helper, "POST", f"/asks/{ask['id']}/accept"), 404)
    assert body["message"] == "This ask isn't open any more — thank you for offering."
    # Cancelling the hidden ask later tells them nothing new: they heard already.
    _ok(job_api.call(asker, "POST", f"/asks/{ask['id']}/cancel"))
    assert _closed_notes(make_uow, ask["id"]) == closed


def test_flags_that_hide_it_tell_offered_helpers(offered, job_api, make_uow):
    _, helpers, ask = offered
    flag = {"target_type": "ask", "target_id": ask["id"], "reason": "spam"}
    for i in range(3):  # three new members' weight hides it pending review
        _ok(job_api.call(job_api.member(f"flagger{i}"), "POST", "/flags", json=flag), 201)
    assert set(_closed_notes(make_uow, ask["id"])) == {h["id"] for h in helpers}


def test_the_authors_suspension_tells_helpers_offered_their_open_asks(offered, job_api,
                                                                      make_uow):
    _, helpers, ask = offered
    mod = _moderator(job_api, make_uow)
    _ok(job_api.call(mod, "POST", "/mod/members/asker/suspend",
                     json={"days": 3, "reason": "Repeated spam."}))
    closed = _closed_notes(make_uow, ask["id"])
    assert {m: [d["why"] for d in notes] for m, notes in closed.items()} == {
        h["id"]: ["hidden"] for h in helpers}


def test_a_helper_who_passed_or_won_hears_nothing_of_a_close(offered, job_api, make_uow):
    asker, (passer, other), ask = offered
    assert job_api.call(passer, "POST", f"/asks/{ask['id']}/pass").status_code == 204
    _ok(job_api.call(asker, "POST", f"/asks/{ask['id']}/cancel"))
    assert set(_closed_notes(make_uow, ask["id"])) == {other["id"]}


def test_a_taken_ask_keeps_its_taken_note_and_sends_no_close(offered, job_api, make_uow):
    asker, (winner, other), ask = offered
    _ok(job_api.call(winner, "POST", f"/asks/{ask['id']}/accept"))
    _ok(job_api.call(asker, "POST", f"/asks/{ask['id']}/cancel"))  # matched, then cancelled
    assert _closed_notes(make_uow, ask["id"]) == {}
    kinds = [n["kind"] for n in job_api.call(other, "GET", "/notifications").get_json()["items"]]
    assert kinds == ["ask.offered", "ask.taken"]
