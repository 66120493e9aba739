"""Expiry and auto-confirm as real RQ jobs, and the sweep that backs them up.

A test never waits for a scheduled job: it moves this process's clock (``time_machine``) past
the job's due time, and the burst worker's scheduler and the job itself, which read the same
clock, see that time as now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from exchange.asks.models import Ask
from exchange.ledger.models import Transfer
from exchange.notifications.models import Notification
from workers import asks as ask_jobs
from workers.housekeeping import sweep

FAILURE_WORDS = ("fail", "rejected", "nobody", "unfortunately", "no one")


def _status(make_uow, ask_id):
    with make_uow() as uow:
        return uow.session.get(Ask, ask_id).status


def _notes(make_uow, member_id, kind):
    with make_uow() as uow:
        rows = uow.session.query(Notification).filter_by(member_id=member_id, kind=kind)
        return [n.data for n in rows.order_by(Notification.id)]


def _transfers(make_uow, ask_id):
    with make_uow() as uow:
        return [t.auto for t in uow.session.query(Transfer).filter_by(ask_id=ask_id)]


def _move_back(make_uow, ask_id, **ages):
    """Pretend time passed: move the ask's timestamps (``delivered_at=days``) into the past."""
    with make_uow() as uow:
        ask = uow.session.get(Ask, ask_id)
        values = {col: getattr(ask, col) - timedelta(days=d) for col, d in ages.items()}
        uow.session.execute(update(Ask).where(Ask.id == ask_id).values(**values))
        uow.commit()


def _scheduled(rt):
    return set(rt.jobs.queue("housekeeping").scheduled_job_registry.get_job_ids())


def _scheduled_at(rt, job_id):
    return rt.jobs.queue("housekeeping").scheduled_job_registry.get_scheduled_time(job_id)


def _frozen_at_a_whole_second(time_machine) -> datetime:
    """Stop the clock on a whole second (RQ keeps due times in whole seconds)."""
    now = datetime.now(UTC).replace(microsecond=0)
    time_machine.move_to(now, tick=False)
    return now


def _delivered(job_api):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper)
    r = job_api.call(helper, "POST", f"/asks/{ask['id']}/deliver")
    assert r.status_code == 200, r.get_json()
    return asker, helper, r.get_json()


# Auto-confirm

def test_delivering_schedules_auto_confirm_a_week_later(job_api, rt, time_machine):
    now = _frozen_at_a_whole_second(time_machine)
    _, _, ask = _delivered(job_api)
    job_id = f"autoconfirm-{ask['id']}"
    assert job_id in _scheduled(rt)
    assert datetime.fromisoformat(ask["delivered_at"]) == now
    assert _scheduled_at(rt, job_id) == now + timedelta(days=7)


def test_a_delivery_is_auto_confirmed_when_its_job_comes_due_a_week_later(
        job_api, run_jobs, rt, make_uow, time_machine):
    _, _, ask = _delivered(job_api)
    run_jobs()
    assert _status(make_uow, ask["id"]) == "delivered"
    time_machine.move_to(_scheduled_at(rt, f"autoconfirm-{ask['id']}") + timedelta(seconds=1),
                         tick=False)
    run_jobs()
    with make_uow() as uow:
        row = uow.session.get(Ask, ask["id"])
        assert (row.status, row.auto_confirmed) == ("confirmed", True)
    assert _transfers(make_uow, ask["id"]) == [True]


def test_a_week_old_delivery_is_auto_confirmed_and_recorded_so(job_api, make_uow):
    _, _, ask = _delivered(job_api)
    _move_back(make_uow, ask["id"], delivered_at=8)
    assert ask_jobs.auto_confirm(ask["id"]) == "confirmed"
    with make_uow() as uow:
        row = uow.session.get(Ask, ask["id"])
        assert (row.status, row.auto_confirmed) == ("confirmed", True)
    assert _transfers(make_uow, ask["id"]) == [True]


def test_auto_confirm_leaves_a_fresh_delivery_alone(job_api, make_uow):
    _, _, ask = _delivered(job_api)
    assert ask_jobs.auto_confirm(ask["id"]) is None
    assert _status(make_uow, ask["id"]) == "delivered"
    assert _transfers(make_uow, ask["id"]) == []


def test_auto_confirm_run_twice_writes_one_transfer(job_api, make_uow):
    _, helper, ask = _delivered(job_api)
    _move_back(make_uow, ask["id"], delivered_at=8)
    ask_jobs.auto_confirm(ask["id"])
    assert ask_jobs.auto_confirm(ask["id"]) is None
    assert _transfers(make_uow, ask["id"]) == [True]
    assert len(_notes(make_uow, helper["id"], "ask.confirmed")) == 1


def test_confirming_by_hand_cancels_the_auto_confirm_job(job_api, rt, make_uow):
    asker, _, ask = _delivered(job_api)
    assert job_api.call(asker, "POST", f"/asks/{ask['id']}/confirm").status_code == 200
    assert f"autoconfirm-{ask['id']}" not in _scheduled(rt)
    assert _transfers(make_uow, ask["id"]) == [False]


def test_the_sweep_auto_confirms_a_week_old_delivery_once(job_api, make_uow):
    _, _, ask = _delivered(job_api)
    _move_back(make_uow, ask["id"], delivered_at=8)
    assert sweep()["auto_confirmed"] == 1
    assert sweep()["auto_confirmed"] == 0
    assert _transfers(make_uow, ask["id"]) == [True]


# Expiry

def _ending_soon(job_api, seconds=60):
    asker = job_api.member("asker")
    end = datetime.now(UTC) + timedelta(seconds=seconds)
    return asker, job_api.ask(asker, window_end=end.isoformat())


def test_an_ask_whose_window_passed_expires_when_its_job_runs(job_api, run_jobs, make_uow, rt,
                                                              time_machine):
    asker, ask = _ending_soon(job_api)
    run_jobs()
    assert _status(make_uow, ask["id"]) == "open"
    due = _scheduled_at(rt, f"expire-{ask['id']}")
    time_machine.move_to(due + timedelta(seconds=1), tick=False)
    run_jobs()
    assert _status(make_uow, ask["id"]) == "expired"
    assert len(_notes(make_uow, asker["id"], "ask.expired")) == 1


def test_the_expired_note_is_kind_and_never_speaks_of_failure(job_api, make_uow):
    asker = job_api.member("asker")
    ask = job_api.ask(asker)
    _move_back(make_uow, ask["id"], created_at=15)
    ask_jobs.expire_ask(ask["id"])
    [note] = _notes(make_uow, asker["id"], "ask.expired")
    assert note["ask"]["id"] == ask["id"] and note["ask"]["status"] == "expired"
    assert note["message"]
    assert not any(word in note["message"].lower() for word in FAILURE_WORDS)


def test_the_expire_job_is_not_due_before_the_window_ends(job_api, rt):
    _, ask = _ending_soon(job_api, seconds=600)
    end = datetime.fromisoformat(ask["window_end"])
    assert _scheduled_at(rt, f"expire-{ask['id']}") >= end


def test_an_ask_open_fifteen_days_is_expired_by_the_sweep(job_api, make_uow):
    asker = job_api.member("asker")
    ask = job_api.ask(asker)
    _move_back(make_uow, ask["id"], created_at=15)
    assert sweep()["expired"] == 1
    assert _status(make_uow, ask["id"]) == "expired"
    assert len(_notes(make_uow, asker["id"], "ask.expired")) == 1


def test_the_sweep_run_twice_expires_once(job_api, make_uow):
    asker = job_api.member("asker")
    ask = job_api.ask(asker)
    _move_back(make_uow, ask["id"], created_at=15)
    sweep()
    assert sweep()["expired"] == 0
    assert len(_notes(make_uow, asker["id"], "ask.expired")) == 1


def test_the_expire_job_run_twice_sends_one_note(job_api, make_uow):
    asker = job_api.member("asker")
    ask = job_api.ask(asker)
    _move_back(make_uow, ask["id"], created_at=15)
    assert ask_jobs.expire_ask(ask["id"]) == "expired"
    assert ask_jobs.expire_ask(ask["id"]) is None
    assert len(_notes(make_uow, asker["id"], "ask.expired")) == 1


def test_a_young_open_ask_is_not_expired(job_api, make_uow):
    asker = job_api.member("asker")
    ask = job_api.ask(asker)
    assert ask_jobs.expire_ask(ask["id"]) is None
    assert sweep()["expired"] == 0
    assert _status(make_uow, ask["id"]) == "open"


def test_cancelling_cancels_the_expire_job(job_api, rt):
    asker, ask = _ending_soon(job_api, seconds=600)
    assert f"expire-{ask['id']}" in _scheduled(rt)
    assert job_api.call(asker, "POST", f"/asks/{ask['id']}/cancel").status_code == 200
    assert f"expire-{ask['id']}" not in _scheduled(rt)


def test_expiring_a_matched_ask_does_nothing(job_api, make_uow):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper)
    _move_back(make_uow, ask["id"], created_at=15)
    assert ask_jobs.expire_ask(ask["id"]) is None
    assert sweep()["expired"] == 0
    assert _status(make_uow, ask["id"]) == "matched"
    assert _notes(make_uow, asker["id"], "ask.expired") == []
