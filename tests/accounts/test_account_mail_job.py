"""The account-mail job: once per request however often it runs, a send that could not happen
now is retried and goes, a claim left by a worker that died is taken over (but not a live one),
nothing goes to an account that closed, and the request survives Redis being away."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from exchange.adapters.mail import FileMailer, SmtpMailer
from exchange.clock import utcnow
from exchange.delivery import accounts
from exchange.delivery.models import Delivery
from exchange.mail.compose import message_id
from exchange.outbox import service as outbox
from exchange.ports import DeliveryDeferred
from tests.accounts.mail import token
from tests.conftest import PASSWORD
from tests.realtime.live import free_port
from workers.account_mail import send_account_mail


def mail_for(api, handle: str, rt) -> tuple:
    """Register ``handle``; the arguments of the verify job its registration enqueued."""
    who = api.member(handle)
    [job_id] = [j for j in rt.jobs.queue("mail").job_ids if j.startswith("account-verify-")]
    job = rt.jobs.queue("mail").fetch_job(job_id)
    return who, job_id, job.args


def deliveries(db) -> list[Delivery]:
    with db.session() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def test_a_job_run_again_sends_nothing_more(job_api, rt, mailbox, db):
    _, job_id, args = mail_for(job_api, "sam", rt)
    assert send_account_mail(*args) == "sent"
    assert send_account_mail(*args) == "sent already"
    assert len(mailbox.messages("sam@example.org")) == 1
    [row] = deliveries(db)
    assert (row.key, row.status, row.channel) == (job_id, "sent", "email")


def test_the_message_id_comes_from_the_request_so_a_resend_is_recognisably_the_same(
        job_api, rt, mailbox, job_settings):
    _, job_id, args = mail_for(job_api, "sam", rt)
    send_account_mail(*args)
    message = mailbox.last("sam@example.org")
    assert message["Message-ID"] == f"<{message_id(job_id, job_settings)}>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Exchange-Kind"] == "account.verify"
    assert message["List-Unsubscribe"] is None  # account mail is not something to opt out of


def test_a_mail_server_that_is_away_defers_the_mail_and_the_retry_sends_it(
        job_api, rt, run_jobs, mailbox, db):
    rt.mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", timeout=2)  # nobody listening
    job_api.member("sam")
    run_jobs()
    assert mailbox.messages() == [] and deliveries(db) == []  # the claim was given back
    assert rt.jobs.queue("mail").scheduled_job_registry.count == 1  # RQ will retry it
    rt.mailer = FileMailer(mailbox.folder)
    with time_machine.travel(utcnow() + timedelta(seconds=5), tick=False):
        run_jobs()
    assert len(mailbox.messages("sam@example.org")) == 1
    assert [row.status for row in deliveries(db)] == ["sent"]


def test_a_claim_being_sent_right_now_is_left_alone(job_api, rt, mailbox):
    _, _, args = mail_for(job_api, "sam", rt)
    mail = accounts.AccountMail(*args)
    with rt.unit_of_work() as uow:  # a worker claimed it and is sending…
        accounts.prepare(uow, mail, settings=rt.settings)
        uow.commit()
    with pytest.raises(DeliveryDeferred, match="another attempt"):
        send_account_mail(*args)
    assert mailbox.messages() == []


def test_a_claim_left_by_a_worker_that_died_is_taken_over_once_stale(job_api, rt, mailbox, db):
    _, _, args = mail_for(job_api, "sam", rt)
    with rt.unit_of_work() as uow:  # …and died before it was sent
        accounts.prepare(uow, accounts.AccountMail(*args), settings=rt.settings)
        uow.commit()
    with time_machine.travel(utcnow() + accounts.STALE + timedelta(seconds=1), tick=False):
        assert send_account_mail(*args) == "sent"
        assert send_account_mail(*args) == "sent already"
    [row] = deliveries(db)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(mailbox.messages("sam@example.org")) == 1


def test_nothing_goes_to_an_account_that_closed_before_the_job_ran(job_api, rt, mailbox, db):
    sam, _, args = mail_for(job_api, "sam", rt)
    job_api.call(sam, "DELETE", "/me")
    assert send_account_mail(*args) == "not wanted"
    assert mailbox.messages() == [] and deliveries(db) == []


def test_registering_while_redis_is_away_still_gets_the_link_later(
        client, db, rt, run_jobs, mailbox):
    """The app here has no handlers at all (as with Redis down): the request succeeds, the mail
    request waits in the outbox, and the worker's reconciler sends it on."""
    r = client.post("/api/v1/auth/register", json={
        "handle": "sam", "email": "sam@example.org", "password": PASSWORD,
        "display_name": "Sam"})
    assert r.status_code == 201
    with db.session() as session:
        assert outbox.pending_count(session) == 1
    assert outbox.relay(db, rt.dispatcher, min_age_seconds=0) == 1
    run_jobs()
    assert client.post("/api/v1/auth/email/confirm", json={
        "token": token(mailbox.last("sam@example.org"))}).status_code == 204
