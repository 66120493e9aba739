"""Mail through a real SMTP server that goes down, and a real worker killed mid-send: the email
is delayed, never lost, and arrives once.

The SMTP server is aiosmtpd in this process (``tests/fixtures/smtp.py``). The kill test runs a
real ``exchange worker`` process, holds its message at DATA, SIGKILLs it and lets the server
drop the unanswered message (as a server does whose client went away before the reply); the
sweep, run here with the clock moved past the claim's grace, hands the claim back and the
message goes out again under the same Message-ID.
"""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from exchange.adapters.mail import SmtpMailer
from exchange.delivery.models import Delivery
from exchange.members.models import Member
from exchange.notifications.models import Notification
from tests.workers.processes import WAIT_SECONDS, end_group, eventually, start_worker, worker_env

DELAY = 120


def _verified(make_uow, *who) -> None:
    with make_uow() as uow:
        uow.session.execute(update(Member).where(Member.id.in_([w["id"] for w in who]))
                            .values(email_verified_at=datetime.now(UTC)))
        uow.commit()


def _statuses(make_uow) -> list[tuple[str, str]]:
    with make_uow() as uow:
        return sorted((d.key, d.status) for d in uow.session.query(Delivery)
                      .filter_by(channel="email")
                      .filter(Delivery.notification_id.is_not(None)))  # account mail aside


@pytest.fixture
def offer(job_api, run_jobs, make_uow, time_machine):
    """An open ask offered to one helper with a verified address and no page open."""
    time_machine.move_to(datetime.now(UTC), tick=False)
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["python"])
    _verified(make_uow, helper)
    ask = job_api.ask(asker, tags=["python"], title="Pair on a failing Python test")
    run_jobs()
    with make_uow() as uow:
        note_id = uow.session.query(Notification).filter_by(
            member_id=helper["id"], kind="ask.offered").one().id
    return helper, ask, note_id


def test_smtp_down_then_up_delivers_the_email_once_afterwards(offer, rt, run_jobs, make_uow,
                                                              smtp_server, time_machine):
    helper, _, note_id = offer
    rt.mailer = smtp_server.mailer()
    smtp_server.stop()
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=DELAY + 1), tick=False)
    run_jobs()
    assert _statuses(make_uow) == [(f"n{note_id}-email", "claimed")]  # kept, not lost
    smtp_server.start()
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=3), tick=False)
    run_jobs()  # RQ's retry, due 2 s after the failure
    [got] = smtp_server.wait_for(1)
    assert list(got.rcpt_tos) == ["helper@example.org"]
    assert got.message["Message-ID"].startswith(f"<n{note_id}-email@")
    run_jobs()
    assert len(smtp_server.messages) == 1
    assert _statuses(make_uow) == [(f"n{note_id}-email", "sent")]


def test_a_server_that_refuses_for_now_delays_and_a_refusal_for_good_is_recorded(
        offer, rt, run_jobs, make_uow, smtp_server, time_machine):
    helper, _, note_id = offer
    rt.mailer = smtp_server.mailer()
    smtp_server.fail_next(1, code=550, at="rcpt")
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=DELAY + 1), tick=False)
    run_jobs()
    assert smtp_server.messages == []
    assert _statuses(make_uow) == [(f"n{note_id}-email", "failed")]


@pytest.mark.slow
def test_a_worker_killed_mid_send_loses_no_email_and_sends_none_twice(
        offer, rt, run_jobs, make_uow, smtp_server, database_url, redis_url, tmp_path,
        time_machine):
    helper, _, note_id = offer
    env = worker_env(database_url, redis_url, tmp_path, EXCHANGE_SMTP_URL=smtp_server.url,
                     EXCHANGE_MAIL_DELAY_SECONDS="0")
    # The delay has passed: the job is due now, for the real worker.
    rt.jobs.enqueue("workers.delivery.mail_note", note_id, job_id=f"mail-n{note_id}-now",
                    queue="mail")
    smtp_server.stall_next()
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        # the wait includes the worker process starting up (seconds on a busy machine)
        assert smtp_server.wait_stalled(1, timeout=WAIT_SECONDS), \
            (tmp_path / "worker.log").read_text()
        os.kill(worker.pid, signal.SIGKILL)
        assert eventually(lambda: worker.poll() is not None)
    finally:
        end_group(worker)
    smtp_server.release(accept=False)  # its client is gone: the server keeps nothing
    assert smtp_server.messages == []
    assert _statuses(make_uow) == [(f"n{note_id}-email", "claimed")]

    rt.mailer = SmtpMailer(smtp_server.url)
    from workers.housekeeping import sweep
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=3), tick=False)
    assert sweep()["mail_resent"] == 1
    run_jobs()
    [got] = smtp_server.wait_for(1)
    assert got.message["Message-ID"].startswith(f"<n{note_id}-email@")
    sweep()
    run_jobs()
    assert len(smtp_server.messages) == 1
    assert _statuses(make_uow) == [(f"n{note_id}-email", "sent")]
