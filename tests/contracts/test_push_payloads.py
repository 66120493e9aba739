"""Every notification the real flows store matches its kind's payload schema.

The flows run through the API and the real jobs (``tests/workers`` fixtures); each test then
checks every stored notification, envelope and ``data``, and that the kinds it is about were
actually produced — a flow that silently stopped notifying fails here too.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import update

from exchange import payloads
from exchange.asks.models import Ask
from exchange.notifications.models import KINDS, Notification
from exchange.notifications.service import as_payload
from workers import asks as ask_jobs
from workers.housekeeping import sweep
from workers.matching import match_ask


def _check_all(make_uow) -> list[str]:
    """Validate every stored notification; the kinds seen, in order."""
    with make_uow() as uow:
        rows = uow.session.query(Notification).order_by(Notification.id).all()
        for row in rows:
            payloads.validate(row.kind, row.data)
            payloads.validate_notification(as_payload(row))
        return [row.kind for row in rows]


def _nudges(make_uow) -> list[str]:
    with make_uow() as uow:
        return [n.data["nudge"] for n in uow.session.query(Notification).filter_by(kind="nudge")]


def _move_back(make_uow, ask_id, **days):
    with make_uow() as uow:
        ask = uow.session.get(Ask, ask_id)
        values = {col: getattr(ask, col) - timedelta(days=d) for col, d in days.items()}
        uow.session.execute(update(Ask).where(Ask.id == ask_id).values(**values))
        uow.commit()


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _delivered(api):
    asker, helper = api.member("asker"), api.member("helper")
    ask = api.matched(asker, helper)
    _ok(api.call(helper, "POST", f"/asks/{ask['id']}/deliver"))
    return asker, helper, ask


# Kinds with an emit site today

def test_offer_accept_and_taken_notes_match_their_schemas(job_api, run_jobs, make_uow):
    asker = job_api.member("asker")
    winner = job_api.member("winner", skills=["python"])
    job_api.member("other", skills=["python"])
    ask = job_api.ask(asker, tags=["python"])
    run_jobs()
    _ok(job_api.call(winner, "POST", f"/asks/{ask['id']}/accept"))
    kinds = _check_all(make_uow)
    assert {"ask.offered", "ask.accepted", "ask.taken"} <= set(kinds)


def test_the_race_losers_taken_note_matches_its_schema(job_api, make_uow):
    asker, first, late = job_api.member("asker"), job_api.member("first"), job_api.member("late")
    ask = job_api.matched(asker, first)
    _ok(job_api.call(late, "POST", f"/asks/{ask['id']}/accept"), 409)
    assert _check_all(make_uow) == ["ask.accepted", "ask.taken"]


def test_conversation_delivery_confirmation_and_thanks_notes_match(job_api, run_jobs, make_uow):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper)
    path = f"/asks/{ask['id']}"
    _ok(job_api.call(asker, "POST", f"{path}/messages", json={"body": "Hello!"}), 201)
    _ok(job_api.call(helper, "POST", f"{path}/messages", json={"body": "Hi, on it."}), 201)
    _ok(job_api.call(helper, "POST", f"{path}/deliver"))
    _ok(job_api.call(asker, "POST", f"{path}/confirm", json={"minutes": 20}))
    run_jobs()  # plans the "thanks" reminder, due at once, and sends it
    _ok(job_api.call(asker, "POST", f"{path}/thanks", json={"message": "Thank you!"}), 201)
    kinds = _check_all(make_uow)
    assert {"message.new", "ask.delivered", "ask.confirmed", "reminder",
            "thanks.received"} <= set(kinds)


def test_withdrawn_and_cancelled_notes_match_their_schemas(job_api, make_uow):
    asker, first, second = (job_api.member(h) for h in ("asker", "first", "second"))
    ask = job_api.matched(asker, first)
    _ok(job_api.call(first, "POST", f"/asks/{ask['id']}/withdraw"))
    _ok(job_api.call(second, "POST", f"/asks/{ask['id']}/accept"))
    _ok(job_api.call(asker, "POST", f"/asks/{ask['id']}/cancel"))
    kinds = _check_all(make_uow)
    assert {"ask.withdrawn", "ask.cancelled"} <= set(kinds)


def test_the_expired_note_matches_its_schema(job_api, make_uow):
    ask = job_api.ask(job_api.member("asker"))
    _move_back(make_uow, ask["id"], created_at=15)
    assert ask_jobs.expire_ask(ask["id"]) == "expired"
    assert _check_all(make_uow) == ["ask.expired"]


def test_the_still_open_note_matches_its_schema(job_api, run_jobs, make_uow, job_settings):
    ask = job_api.ask(job_api.member("asker"), tags=["python"])
    job_api.member("helper", skills=["python"])
    run_jobs()
    match_ask(ask["id"], 0, job_settings.max_waves + 1)  # past the last wave: widen
    assert "ask.still_open" in _check_all(make_uow)


def test_an_auto_confirmed_note_matches_its_schema(job_api, make_uow):
    _, _, ask = _delivered(job_api)
    _move_back(make_uow, ask["id"], delivered_at=8)
    assert ask_jobs.auto_confirm(ask["id"]) == "confirmed"
    assert _check_all(make_uow)[-1] == "ask.confirmed"


def test_the_try_a_small_ask_nudge_matches_its_schema(job_api, make_uow):
    giver, asker = job_api.member("giver"), job_api.member("asker")
    for _ in range(3):
        job_api.confirmed(asker, giver)
    assert sweep()["nudged"] == 1
    _check_all(make_uow)
    assert "try_small_ask" in _nudges(make_uow)


def test_the_pay_it_forward_nudge_matches_its_schema(job_api, run_jobs, make_uow):
    tags = ["python", "sql", "pandas"]
    for handle in ("best1", "best2"):
        job_api.member(handle, skills=tags)
    helped = job_api.member("helped", skills=["python"])
    job_api.confirmed(helped, job_api.member("helped_helper"))
    job_api.ask(job_api.member("asker"), tags=tags)
    run_jobs()
    _check_all(make_uow)
    assert "pay_it_forward" in _nudges(make_uow)


def _moderator(job_api, make_uow, handle="mod"):
    from exchange.members.models import Member
    who = job_api.member(handle)
    with make_uow() as uow:
        uow.session.get(Member, who["id"]).role = "moderator"
        uow.commit()
    return who


def test_moderation_notes_match_their_schemas(job_api, make_uow):
    mod = _moderator(job_api, make_uow)
    author = job_api.member("author")
    ask = job_api.ask(author)
    flag = {"target_type": "ask", "target_id": ask["id"], "reason": "spam"}
    flag_ids = [_ok(job_api.call(job_api.member(f"flagger{i}"), "POST", "/flags", json=flag),
                    201)["id"] for i in range(3)]  # three new members' weight hides it
    _ok(job_api.call(mod, "POST", f"/mod/flags/{flag_ids[0]}/resolve",
                     json={"action": "warn", "reason": "Please keep it on topic."}))
    _ok(job_api.call(mod, "POST", "/mod/members/author/suspend",
                     json={"days": 3, "reason": "Repeated spam."}))
    kinds = _check_all(make_uow)
    assert {"mod.flagged", "mod.warning", "account.suspended"} <= set(kinds)


def test_a_moderator_hiding_an_ask_tells_its_author_why(job_api, make_uow):
    mod = _moderator(job_api, make_uow)
    author = job_api.member("author")
    ask = job_api.ask(author)
    _ok(job_api.call(mod, "POST", f"/mod/asks/{ask['id']}/hide",
                     json={"reason": "Personal details in the title."}))
    assert _check_all(make_uow)[-1] == "ask.hidden"
    with make_uow() as uow:
        note = uow.session.query(Notification).filter_by(kind="ask.hidden").one()
        assert note.member_id == author["id"] and note.ask_id == ask["id"]
        assert note.data["reason"] == "Personal details in the title."
    _ok(job_api.call(mod, "POST", f"/mod/asks/{ask['id']}/hide", json={"reason": "again"}))
    assert _check_all(make_uow).count("ask.hidden") == 1  # hiding a hidden ask says nothing


# The schemas themselves

def test_every_notification_kind_has_a_payload_schema():
    assert set(payloads.SCHEMAS) == set(KINDS)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValidationError):
        payloads.validate("ask.teleported", {})


def test_deriving_the_strict_ask_schema_leaves_the_api_schema_optional():
    from exchange.asks.schemas import AskSchema
    assert not any(field.required for field in AskSchema().fields.values())


@pytest.fixture
def confirmed_note(job_api, make_uow) -> dict:
    job_api.confirmed(job_api.member("asker"), job_api.member("helper"), minutes=20)
    with make_uow() as uow:
        row = uow.session.query(Notification).filter_by(kind="ask.confirmed").one()
        return as_payload(row)


def test_a_real_confirmed_note_passes_unchanged(confirmed_note):
    payloads.validate_notification(confirmed_note)


def _drop(path):
    def mutate(d):
        *parents, last = path
        for key in parents:
            d = d[key]
        del d[last]
    return mutate


def _set(path, value):
    def mutate(d):
        *parents, last = path
        for key in parents:
            d = d[key]
        d[last] = value
    return mutate


MUTATIONS = {
    "missing minutes": _drop(["data", "minutes"]),
    "missing ask title": _drop(["data", "ask", "title"]),
    "missing author handle": _drop(["data", "ask", "author", "handle"]),
    "unknown field in data": _set(["data", "bonus"], 1),
    "unknown field in the ask": _set(["data", "ask", "secret"], "x"),
    "unknown field in the author": _set(["data", "ask", "author", "email"], "a@example.org"),
    "minutes as text": _set(["data", "minutes"], "20"),
    "ask id as text": _set(["data", "ask", "id"], "7"),
    "unknown ask status": _set(["data", "ask", "status"], "teleported"),
    "title not text": _set(["data", "ask", "title"], 5),
    "created_at not a time": _set(["data", "ask", "created_at"], "yesterday"),
    "unknown kind": _set(["kind"], "ask.teleported"),
    "envelope id missing": _drop(["id"]),
    "unknown envelope field": _set(["member_id"], 3),
}


@pytest.mark.parametrize("mutation", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_a_mutated_payload_fails_validation(confirmed_note, mutation):
    payload = copy.deepcopy(confirmed_note)
    mutation(payload)
    with pytest.raises(ValidationError):
        payloads.validate_notification(payload)
