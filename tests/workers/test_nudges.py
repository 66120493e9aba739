"""Nudges through the real jobs: "try a small ask" from the sweep, "pay it forward" from a wave."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from exchange.notifications.models import Notification
from exchange.offers.models import Offer
from exchange.reminders.models import SentReminder
from workers.housekeeping import sweep


@pytest.fixture
def job_settings(job_settings):
    # One helper per wave, so a fitting member can be left out of the first wave.
    return replace(job_settings, wave_size=1)


def _nudges(make_uow, member_id, nudge):
    with make_uow() as uow:
        rows = uow.session.query(Notification).filter_by(member_id=member_id, kind="nudge")
        return [n.data for n in rows.order_by(Notification.id) if n.data["nudge"] == nudge]


def _age_sent(make_uow, member_id, days):
    """Pretend the member's nudges went out ``days`` ago. A repeatable nudge's key carries
    its send time (``try-small-ask:<when>``), so the key moves back with it."""
    with make_uow() as uow:
        for row in uow.session.query(SentReminder).filter_by(member_id=member_id):
            row.sent_at -= timedelta(days=days)
            if ":" in row.key:
                row.key = f"{row.key.split(':')[0]}:{row.sent_at:%Y%m%d%H%M%S}"
        uow.commit()


def _giver(job_api, handle, helps):
    """A member who helped ``helps`` times (confirmed) and never asked."""
    giver = job_api.member(handle)
    asker = job_api.member(f"{handle}_asker")
    for _ in range(helps):
        job_api.confirmed(asker, giver)
    return giver


# Try a small ask

def test_a_member_who_gave_three_times_and_never_asked_is_nudged(job_api, make_uow):
    giver = _giver(job_api, "giver", 3)
    assert sweep()["nudged"] == 1
    [note] = _nudges(make_uow, giver["id"], "try_small_ask")
    assert "small" in note["message"]


def test_a_member_who_has_asked_is_not_nudged(job_api, make_uow):
    giver = _giver(job_api, "giver", 3)
    job_api.ask(giver)
    sweep()
    assert _nudges(make_uow, giver["id"], "try_small_ask") == []


def test_a_member_with_two_helps_is_not_nudged_yet(job_api, make_uow):
    giver = _giver(job_api, "giver", 2)
    assert sweep()["nudged"] == 0
    assert _nudges(make_uow, giver["id"], "try_small_ask") == []


def test_the_askers_are_not_nudged_to_ask(job_api, make_uow):
    _giver(job_api, "giver", 3)
    sweep()
    with make_uow() as uow:
        assert uow.session.query(Notification).filter_by(kind="nudge").count() == 1


def test_a_second_sweep_within_two_weeks_sends_nothing(job_api, make_uow):
    giver = _giver(job_api, "giver", 3)
    sweep()
    assert sweep()["nudged"] == 0
    assert len(_nudges(make_uow, giver["id"], "try_small_ask")) == 1


def test_after_two_weeks_the_nudge_may_come_again(job_api, make_uow):
    giver = _giver(job_api, "giver", 3)
    sweep()
    _age_sent(make_uow, giver["id"], 15)
    assert sweep()["nudged"] == 1
    assert len(_nudges(make_uow, giver["id"], "try_small_ask")) == 2


def test_a_member_in_quiet_hours_is_not_nudged(job_api, make_uow):
    giver = _giver(job_api, "giver", 3)
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)
    r = job_api.call(giver, "PATCH", "/me", json={"timezone": "UTC", "quiet_hours": {
        "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}})
    assert r.status_code == 200, r.get_json()
    assert sweep()["nudged"] == 0
    assert _nudges(make_uow, giver["id"], "try_small_ask") == []


# Pay it forward

PYTHON_SQL = ["python", "sql", "pandas"]


def _recently_helped(job_api, handle, **profile):
    """A member whose own ask was just confirmed (they received help)."""
    member = job_api.member(handle, **profile)
    job_api.confirmed(member, job_api.member(f"{handle}_helper"))
    return member


def _offered(make_uow, ask_id):
    with make_uow() as uow:
        return [o.member_id for o in uow.session.query(Offer).filter_by(ask_id=ask_id, wave=1)]


def _post_fitting_ask(job_api, run_jobs):
    """A new ask a full-skills helper fits best; the recently helped fit it only in part."""
    ask = job_api.ask(job_api.member(), tags=PYTHON_SQL)
    run_jobs()
    return ask


def test_a_recently_helped_member_left_out_of_the_wave_hears_of_a_fitting_ask(
        job_api, run_jobs, make_uow):
    best = job_api.member("best", skills=PYTHON_SQL)
    helped = _recently_helped(job_api, "helped", skills=["python"])
    ask = _post_fitting_ask(job_api, run_jobs)
    assert _offered(make_uow, ask["id"]) == [best["id"]]
    [note] = _nudges(make_uow, helped["id"], "pay_it_forward")
    assert note["ask"]["id"] == ask["id"]


def test_a_member_never_helped_gets_no_pay_it_forward_nudge(job_api, run_jobs, make_uow):
    job_api.member("best", skills=PYTHON_SQL)
    other = job_api.member("other", skills=["python"])
    _post_fitting_ask(job_api, run_jobs)
    assert _nudges(make_uow, other["id"], "pay_it_forward") == []


def test_a_member_who_does_not_fit_gets_no_pay_it_forward_nudge(job_api, run_jobs, make_uow):
    job_api.member("best", skills=PYTHON_SQL)
    cook = _recently_helped(job_api, "cook", skills=["cooking"])
    _post_fitting_ask(job_api, run_jobs)
    assert _nudges(make_uow, cook["id"], "pay_it_forward") == []


def test_pay_it_forward_comes_at_most_once_a_week(job_api, run_jobs, make_uow):
    best = job_api.member("best", skills=PYTHON_SQL)
    helped = _recently_helped(job_api, "helped", skills=["python"])
    _post_fitting_ask(job_api, run_jobs)
    second = _post_fitting_ask(job_api, run_jobs)
    assert _offered(make_uow, second["id"]) == [best["id"]]  # left out again, yet not nudged
    assert len(_nudges(make_uow, helped["id"], "pay_it_forward")) == 1


def test_pay_it_forward_may_come_again_after_a_week(job_api, run_jobs, make_uow):
    job_api.member("best", skills=PYTHON_SQL)
    helped = _recently_helped(job_api, "helped", skills=["python"])
    _post_fitting_ask(job_api, run_jobs)
    _age_sent(make_uow, helped["id"], 8)
    _post_fitting_ask(job_api, run_jobs)
    assert len(_nudges(make_uow, helped["id"], "pay_it_forward")) == 2
