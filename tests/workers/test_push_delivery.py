"""Notifications by Web Push, through the real RQ worker, the real sender and a test push
service that checks the VAPID signature and decrypts every push as the browser would: at once
to a member with no page open, after the delay to one who has a page open but has not seen it,
never in quiet hours, once; a subscription the push service says is gone is forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exchange.delivery.models import Delivery, PushSubscription
from exchange.notifications.models import Notification

DELAY = 120


def _later(time_machine, seconds: float) -> None:
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=seconds), tick=False)


def _subscribe(job_api, who, browser) -> None:
    r = job_api.call(who, "POST", "/me/push-subscriptions", json=browser.subscription)
    assert r.status_code == 201, r.get_json()


@pytest.fixture
def helper(job_api, push_service, time_machine):
    """A helper with one browser subscribed to pushes, and the clock standing still."""
    time_machine.move_to(datetime.now(UTC), tick=False)
    who = job_api.member("helper", skills=["knitting"])
    browser = push_service.browser()
    _subscribe(job_api, who, browser)
    return who, browser


def _post(job_api) -> dict:
    return job_api.ask(job_api.member("asker"), tags=["knitting"],
                       title="Show me how to cast on")


def test_an_offer_reaches_a_helper_with_no_page_open_at_once(helper, job_api, run_jobs,
                                                             push_service):
    who, browser = helper
    ask = _post(job_api)
    run_jobs()
    [push] = push_service.wait_for(1)
    assert push.endpoint == browser.endpoint and push.problem is None
    assert push.payload["kind"] == "ask.offered"
    assert push.payload["url"].endswith(f"/asks/{ask['id']}")
    assert "cast on" not in push.payload["body"]  # the ask's words stay off a lock screen
    assert push.urgency == "high"


def test_the_asks_words_go_only_to_a_member_who_allowed_it(helper, job_api, run_jobs,
                                                           push_service):
    who, _ = helper
    r = job_api.call(who, "PATCH", "/me/notification-settings", json={"push_details": True})
    assert r.status_code == 200
    _post(job_api)
    run_jobs()
    [push] = push_service.wait_for(1)
    assert "cast on" in push.payload["title"] + push.payload["body"]


def test_a_helper_with_a_page_open_is_pushed_only_if_unseen_after_the_delay(
        helper, job_api, run_jobs, rt, push_service, time_machine):
    who, _ = helper
    rt.presence.connected(who["id"], "sid-1")
    _post(job_api)
    run_jobs()
    assert push_service.received == []
    _later(time_machine, DELAY + 1)
    rt.presence.refresh([(who["id"], "sid-1")])
    run_jobs()
    [push] = push_service.wait_for(1)
    assert push.payload["kind"] == "ask.offered"


def test_a_helper_who_saw_it_on_the_page_is_not_pushed(helper, job_api, run_jobs, rt,
                                                      push_service, time_machine, make_uow):
    who, _ = helper
    rt.presence.connected(who["id"], "sid-1")
    _post(job_api)
    run_jobs()
    assert job_api.call(who, "POST", "/notifications/read",
                        json={"up_to": 2**31 - 1}).status_code == 200
    _later(time_machine, DELAY + 1)
    rt.presence.refresh([(who["id"], "sid-1")])
    run_jobs()
    assert push_service.received == []
    with make_uow() as uow:
        [row] = uow.session.query(Delivery).filter_by(channel="push").all()
        assert (row.status, row.detail) == ("skipped", "seen on the site")


def test_quiet_hours_hold_a_push_until_they_end(job_api, run_jobs, push_service, time_machine):
    time_machine.move_to(datetime(2026, 12, 2, 23, 0, tzinfo=UTC), tick=False)
    who = job_api.member("owl", skills=["knitting"], timezone="UTC",
                         quiet_hours={"start": "22:00", "end": "07:00"})
    _subscribe(job_api, who, push_service.browser())
    _post(job_api)
    run_jobs()
    assert push_service.received == []
    time_machine.move_to(datetime(2026, 12, 3, 7, 0, 1, tzinfo=UTC), tick=False)
    run_jobs()
    assert len(push_service.wait_for(1)) == 1


def test_a_subscription_the_push_service_says_is_gone_is_forgotten(helper, job_api, run_jobs,
                                                                   push_service, make_uow):
    who, browser = helper
    push_service.answer(browser, 410)
    _post(job_api)
    run_jobs()
    push_service.wait_for(1)
    with make_uow() as uow:
        assert uow.session.query(PushSubscription).count() == 0
        [row] = uow.session.query(Delivery).filter_by(channel="push").all()
        assert row.status == "skipped"


def test_a_push_service_that_is_down_delays_the_push_and_it_goes_once(
        helper, job_api, run_jobs, push_service, time_machine, make_uow):
    who, browser = helper
    push_service.answer(browser, 503)
    _post(job_api)
    run_jobs()
    push_service.wait_for(1)
    push_service.answer(browser, 201)
    _later(time_machine, 3)  # RQ's first retry
    run_jobs()
    run_jobs()
    delivered = [p for p in push_service.wait_for(2) if p.status == 201]
    assert len(delivered) == 1
    with make_uow() as uow:
        note = uow.session.query(Notification).filter_by(member_id=who["id"]).one()
        assert uow.session.query(Delivery).filter_by(key=f"n{note.id}-push").one().status \
            == "sent"


def test_kinds_switched_off_for_push_are_not_pushed(helper, job_api, run_jobs, push_service):
    who, _ = helper
    r = job_api.call(who, "PATCH", "/me/notification-settings",
                     json={"kinds": {"ask.offered": {"push": False}}})
    assert r.status_code == 200, r.get_json()
    _post(job_api)
    run_jobs()
    assert push_service.received == []
