"""Reminders as real RQ jobs: a transition plans them, each one reaches its member once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq.job import Job
from rq.serializers import JSONSerializer

from exchange.notifications.models import Notification
from workers import reminders

SCOLDING = ("must", "overdue", "late", "fail", "forgot")


def _reminders(make_uow, member_id, key=None):
    with make_uow() as uow:
        rows = uow.session.query(Notification).filter_by(member_id=member_id, kind="reminder")
        data = [n.data for n in rows.order_by(Notification.id)]
    return [d for d in data if key is None or d["reminder"] == key]


def _scheduled(rt, queue="reminders"):
    return set(rt.jobs.queue(queue).scheduled_job_registry.get_job_ids())


def _scheduled_at(rt, job_id, queue="reminders"):
    return rt.jobs.queue(queue).scheduled_job_registry.get_scheduled_time(job_id)


def _window(start_in: timedelta, length=timedelta(hours=1)) -> dict:
    start = datetime.now(UTC) + start_in
    return {"window_start": start.isoformat(), "window_end": (start + length).isoformat()}


def _close(a: datetime, b: datetime) -> bool:
    # RQ keeps scheduled times in whole seconds; the request itself takes a moment.
    return abs(a - b) <= timedelta(seconds=3)


def test_matching_schedules_day_and_hour_reminders_for_both(job_api, run_jobs, rt):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper, **_window(timedelta(days=2)))
    run_jobs()
    assert _scheduled(rt) == {f"remind-{ask['id']}-{key}-{who['id']}"
                              for key in ("window-24h", "window-1h") for who in (asker, helper)}


def test_the_day_before_reminder_is_due_a_day_before_the_window(job_api, run_jobs, rt):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper, **_window(timedelta(days=2)))
    run_jobs()
    start = datetime.fromisoformat(ask["window_start"])
    when = _scheduled_at(rt, f"remind-{ask['id']}-window-24h-{helper['id']}")
    assert _close(when, start - timedelta(hours=24))


def test_a_window_half_an_hour_ahead_gets_no_window_reminders(job_api, run_jobs, rt, make_uow):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper, **_window(timedelta(minutes=30)))
    run_jobs()
    plan_job = Job.fetch(f"plan-{ask['id']}-matched-0", connection=rt.jobs.connection,
                         serializer=JSONSerializer)
    assert plan_job.return_value() == 0
    assert _scheduled(rt) == set()
    assert _reminders(make_uow, asker["id"]) == []


def test_a_due_window_reminder_reaches_the_member_kindly(job_api, make_uow):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper, **_window(timedelta(days=2)))
    assert reminders.remind(ask["id"], helper["id"], "window-24h") == "done"
    [note] = _reminders(make_uow, helper["id"])
    assert note["reminder"] == "window-24h"
    assert note["ask"]["id"] == ask["id"]
    assert note["message"] and not any(w in note["message"].lower() for w in SCOLDING)


def test_running_a_remind_job_twice_sends_once(job_api, make_uow):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper, **_window(timedelta(days=2)))
    reminders.remind(ask["id"], asker["id"], "window-1h")
    reminders.remind(ask["id"], asker["id"], "window-1h")
    assert len(_reminders(make_uow, asker["id"], "window-1h")) == 1


def test_a_window_reminder_for_a_cancelled_ask_is_not_sent(job_api, make_uow):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper, **_window(timedelta(days=2)))
    assert job_api.call(asker, "POST", f"/asks/{ask['id']}/cancel").status_code == 200
    reminders.remind(ask["id"], helper["id"], "window-24h")
    assert _reminders(make_uow, helper["id"]) == []


def test_delivering_schedules_a_confirm_reminder_a_day_later(job_api, run_jobs, rt):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper)
    delivered = job_api.call(helper, "POST", f"/asks/{ask['id']}/deliver").get_json()
    run_jobs()
    job_id = f"remind-{ask['id']}-confirm-{asker['id']}"
    assert _scheduled(rt) == {job_id}
    delivered_at = datetime.fromisoformat(delivered["delivered_at"])
    assert _close(_scheduled_at(rt, job_id), delivered_at + timedelta(hours=24))


def test_confirming_prompts_the_asker_to_say_thanks_right_away(job_api, run_jobs, make_uow):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.confirmed(asker, helper)
    run_jobs()
    [note] = _reminders(make_uow, asker["id"])
    assert note["reminder"] == "thanks" and note["ask"]["id"] == ask["id"]
    assert _reminders(make_uow, helper["id"]) == []


def test_confirming_schedules_a_follow_up_a_week_later(job_api, run_jobs, rt):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.confirmed(asker, helper)
    run_jobs()
    job_id = f"remind-{ask['id']}-followup-{asker['id']}"
    assert _scheduled(rt) == {job_id}
    closed_at = datetime.fromisoformat(ask["closed_at"])
    assert _close(_scheduled_at(rt, job_id), closed_at + timedelta(days=7))


def test_planning_twice_prompts_for_thanks_once(job_api, run_jobs, make_uow, rt):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.confirmed(asker, helper)
    assert reminders.plan(ask["id"], "confirmed", None) == 2
    reminders.plan(ask["id"], "confirmed", None)
    run_jobs()
    assert len(_reminders(make_uow, asker["id"], "thanks")) == 1
    assert _scheduled(rt) == {f"remind-{ask['id']}-followup-{asker['id']}"}


def _thank(job_api, asker, ask, impact=""):
    r = job_api.call(asker, "POST", f"/asks/{ask['id']}/thanks",
                     json={"message": "Thank you so much!", "impact": impact})
    assert r.status_code == 201, r.get_json()


def test_the_follow_up_is_skipped_when_thanks_told_the_impact(job_api, make_uow):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.confirmed(asker, helper)
    _thank(job_api, asker, ask, impact="I passed the exam paragraph check.")
    reminders.remind(ask["id"], asker["id"], "followup")
    assert _reminders(make_uow, asker["id"], "followup") == []


def test_the_follow_up_is_sent_when_thanks_had_no_impact_note(job_api, make_uow):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.confirmed(asker, helper)
    _thank(job_api, asker, ask)
    reminders.remind(ask["id"], asker["id"], "followup")
    assert len(_reminders(make_uow, asker["id"], "followup")) == 1


def test_no_thanks_prompt_once_thanks_were_sent(job_api, make_uow):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.confirmed(asker, helper)
    _thank(job_api, asker, ask)
    reminders.remind(ask["id"], asker["id"], "thanks")
    assert _reminders(make_uow, asker["id"], "thanks") == []


def _quiet_now(job_api, who) -> datetime:
    """Quiet hours from an hour ago to two hours ahead (UTC); returns when they end."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)
    r = job_api.call(who, "PATCH", "/me", json={"timezone": "UTC", "quiet_hours": {
        "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}})
    assert r.status_code == 200, r.get_json()
    return end


def test_a_reminder_in_quiet_hours_waits_until_they_end(job_api, make_uow, rt):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper, **_window(timedelta(days=2)))
    quiet_end = _quiet_now(job_api, asker)
    assert reminders.remind(ask["id"], asker["id"], "window-24h") == "later"
    assert _reminders(make_uow, asker["id"]) == []
    later = f"remind-{ask['id']}-window-24h-{asker['id']}-later1"
    assert _scheduled(rt) == {later}
    assert _scheduled_at(rt, later) == quiet_end


def test_a_put_off_reminder_goes_out_once_quiet_hours_are_over(job_api, make_uow):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper, **_window(timedelta(days=2)))
    _quiet_now(job_api, asker)
    reminders.remind(ask["id"], asker["id"], "window-24h")
    job_api.call(asker, "PATCH", "/me", json={"quiet_hours": None})
    assert reminders.remind(ask["id"], asker["id"], "window-24h", 1) == "done"
    assert len(_reminders(make_uow, asker["id"], "window-24h")) == 1
