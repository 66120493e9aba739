"""Notifications by email, through the real RQ worker and the ``.eml`` mailer: only what was
not seen live, after the delay, one message per ask's burst of news, never in quiet hours,
once whatever the retries.

The delay is a scheduled job; a test moves this process's clock past it (``time_machine``)
rather than waiting, and the burst worker's scheduler finds it due.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import update

from exchange.delivery.models import Delivery
from exchange.members.models import Member
from exchange.notifications import preferences
from exchange.notifications.models import Notification
from exchange.ports import DeliveryDeferred

DELAY = 120  # EXCHANGE_MAIL_DELAY_SECONDS' default, which the job settings keep


def _later(time_machine, seconds: float) -> None:
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=seconds), tick=False)


def _mails(settings) -> list:
    """The notification emails sent (account mail — a verification link on joining — aside)."""
    folder = settings.mail_dir
    if not folder.exists():
        return []
    mails = [BytesParser(policy=policy.default).parsebytes(p.read_bytes())
             for p in sorted(folder.glob("*.eml"))]
    return [m for m in mails if not str(m["X-Exchange-Kind"]).startswith("account.")]


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _verified(make_uow, *who) -> None:
    with make_uow() as uow:
        uow.session.execute(update(Member).where(Member.id.in_([w["id"] for w in who]))
                            .values(email_verified_at=datetime.now(UTC)))
        uow.commit()


def _deliveries(make_uow, member_id) -> list[tuple[str, str, str]]:
    with make_uow() as uow:
        rows = uow.session.query(Delivery).filter_by(member_id=member_id, channel="email") \
            .filter(Delivery.notification_id.is_not(None))  # account mail aside
        return sorted((r.key, r.status, r.detail) for r in rows)


@pytest.fixture
def offered(job_api, run_jobs, make_uow, time_machine):
    """An ask offered to one offline helper with a verified address; the clock stands still."""
    _later(time_machine, 0)
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["python"])
    _verified(make_uow, asker, helper)
    ask = job_api.ask(asker, tags=["python"], title="Read my Python error message")
    run_jobs()
    return asker, helper, ask


def test_an_offline_helper_gets_the_offer_by_email_once_the_delay_has_passed(
        offered, run_jobs, job_settings, time_machine):
    _, helper, ask = offered
    run_jobs()
    assert _mails(job_settings) == []  # not before the delay
    _later(time_machine, DELAY + 1)
    run_jobs()
    [mail] = _mails(job_settings)
    assert mail["To"] == "helper@example.org"
    assert "Read my Python error message" in mail["Subject"]
    text = _text(mail)
    assert "/offer/accept?token=" in text and "/offer/pass?token=" in text
    assert mail["List-Unsubscribe"].startswith("<http")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_helper_who_saw_the_offer_live_gets_no_email(offered, job_api, run_jobs, make_uow,
                                                      job_settings, time_machine):
    _, helper, _ = offered
    r = job_api.call(helper, "POST", "/notifications/read", json={"up_to": 2**31 - 1})
    assert r.status_code == 200
    _later(time_machine, DELAY + 1)
    run_jobs()
    assert _mails(job_settings) == []
    assert [status for _, status, _ in _deliveries(make_uow, helper["id"])] == ["skipped"]
    assert "seen" in _deliveries(make_uow, helper["id"])[0][2]


def test_a_helper_connected_but_not_looking_gets_the_email_after_the_delay(
        offered, rt, run_jobs, job_settings, time_machine):
    _, helper, _ = offered
    rt.presence.connected(helper["id"], "an-open-tab")  # a socket, but nothing marked read
    _later(time_machine, DELAY + 1)
    rt.presence.refresh([(helper["id"], "an-open-tab")])
    run_jobs()
    assert [m["To"] for m in _mails(job_settings)] == ["helper@example.org"]


def test_news_about_one_ask_within_the_delay_is_one_email(job_api, run_jobs, make_uow,
                                                          job_settings, time_machine):
    _later(time_machine, 0)
    asker, helper = job_api.member("asker"), job_api.member("helper")
    _verified(make_uow, asker, helper)
    ask = job_api.matched(asker, helper)
    for body in ("Hello! When suits you?", "I'm free after six."):
        r = job_api.call(helper, "POST", f"/asks/{ask['id']}/messages", json={"body": body})
        assert r.status_code == 201
    run_jobs()
    _later(time_machine, DELAY + 1)
    run_jobs()
    [mail] = [m for m in _mails(job_settings) if m["To"] == "asker@example.org"]
    with make_uow() as uow:
        kinds = [n.kind for n in uow.session.query(Notification).filter_by(
            member_id=asker["id"]).order_by(Notification.id)]
    assert kinds == ["ask.accepted", "message.new", "message.new"]
    rows = _deliveries(make_uow, asker["id"])
    assert [status for _, status, _ in rows] == ["sent"] * 3


def test_quiet_hours_hold_the_email_until_they_end(job_api, run_jobs, make_uow, job_settings,
                                                   time_machine):
    time_machine.move_to(datetime(2026, 12, 2, 21, 0, tzinfo=UTC), tick=False)
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["python"], timezone="UTC",
                            quiet_hours={"start": "22:00", "end": "07:00"})
    _verified(make_uow, asker, helper)
    # Posted at 21:59; the delay ends in quiet hours.
    time_machine.move_to(datetime(2026, 12, 2, 21, 59, tzinfo=UTC), tick=False)
    job_api.ask(asker, tags=["python"])
    run_jobs()
    time_machine.move_to(datetime(2026, 12, 2, 22, 5, tzinfo=UTC), tick=False)
    run_jobs()
    assert _mails(job_settings) == []
    time_machine.move_to(datetime(2026, 12, 3, 7, 0, 1, tzinfo=UTC), tick=False)
    run_jobs()
    assert [m["To"] for m in _mails(job_settings)] == ["helper@example.org"]


def test_no_email_goes_to_an_address_that_was_never_verified(job_api, run_jobs, make_uow,
                                                             job_settings, time_machine):
    _later(time_machine, 0)
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["python"])
    job_api.ask(asker, tags=["python"])
    run_jobs()
    _later(time_machine, DELAY + 1)
    run_jobs()
    assert _mails(job_settings) == []
    assert _deliveries(make_uow, helper["id"])[0][1:] == ("skipped", "no verified address")


def test_a_kind_switched_off_by_email_is_not_mailed(offered, run_jobs, make_uow, job_settings,
                                                    time_machine):
    _, helper, _ = offered
    with make_uow() as uow:
        preferences.choose(uow.session, helper["id"], "ask.offered", email=False)
        uow.commit()
    _later(time_machine, DELAY + 1)
    run_jobs()
    assert _mails(job_settings) == []


def test_an_offer_someone_else_took_meanwhile_is_not_mailed(offered, job_api, run_jobs,
                                                            job_settings, time_machine):
    _, _, ask = offered
    other = job_api.member("quick")
    assert job_api.call(other, "POST", f"/asks/{ask['id']}/accept").status_code == 200
    _later(time_machine, DELAY + 1)
    run_jobs()
    assert [m["To"] for m in _mails(job_settings)] == ["asker@example.org"]  # "accepted" news


def test_running_the_job_again_sends_nothing_more(offered, rt, run_jobs, job_settings,
                                                  time_machine, make_uow):
    from workers.delivery import mail_note
    _, helper, _ = offered
    _later(time_machine, DELAY + 1)
    run_jobs()
    with make_uow() as uow:
        note_id = uow.session.query(Notification).filter_by(member_id=helper["id"]).one().id
    assert mail_note(note_id) == "nothing to send"
    assert len(_mails(job_settings)) == 1


class FlakyMailer:
    """A mail server that is down for the first ``failures`` sends."""

    def __init__(self, inner, failures: int):
        self.inner, self.failures, self.tries = inner, failures, 0

    def send(self, message) -> None:
        self.tries += 1
        if self.tries <= self.failures:
            raise DeliveryDeferred("connection refused")
        self.inner.send(message)


def test_a_mail_server_that_is_down_delays_the_email_and_loses_nothing(
        offered, rt, run_jobs, make_uow, job_settings, time_machine):
    _, helper, _ = offered
    rt.mailer = FlakyMailer(rt.mailer, failures=1)
    _later(time_machine, DELAY + 1)
    run_jobs()
    assert _mails(job_settings) == []
    [(_, status, detail)] = _deliveries(make_uow, helper["id"])
    assert status == "claimed" and detail.startswith("deferred")
    _later(time_machine, 3)  # RQ's first retry is due 2 s later
    run_jobs()
    assert len(_mails(job_settings)) == 1
    assert _deliveries(make_uow, helper["id"])[0][1] == "sent"


def test_the_sweep_sends_again_what_a_dead_worker_had_claimed(offered, rt, run_jobs, make_uow,
                                                              job_settings, time_machine):
    from workers.housekeeping import sweep
    _, helper, _ = offered

    class DiesMidSend:
        def send(self, message):
            raise SystemExit("killed")  # as if the process died with the claim committed

    real, rt.mailer = rt.mailer, DiesMidSend()
    _later(time_machine, DELAY + 1)
    from workers.delivery import mail_note
    with make_uow() as uow:
        note_id = uow.session.query(Notification).filter_by(member_id=helper["id"]).one().id
    with pytest.raises(SystemExit):
        mail_note(note_id)
    rt.mailer = real
    assert mail_note(note_id) == "nothing to send"  # a fresh claim: someone may be sending
    _later(time_machine, 3 * 60)
    assert sweep()["mail_resent"] == 1
    run_jobs()
    [mail] = _mails(job_settings)
    assert mail["Message-ID"].startswith(f"<n{note_id}-email@")
    assert _deliveries(make_uow, helper["id"])[0][1] == "sent"
