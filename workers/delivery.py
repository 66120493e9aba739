"""Delivery jobs: notifications by push and by email, digests — each sent once.

Every job has the same two steps (``_claim_then_send``): decide in one transaction and commit
the claim before anything leaves (``exchange.delivery``), then send and commit the outcome.
Quiet hours, the member's morning or the live delay put a job off (``Later``) under a new
deterministic id. A send that fails for now raises after recording why, so RQ retries it with
backoff (``exchange.adapters.rq_jobs.RETRY``); after that the sweep takes it up again
(``resend_stale_mail``, ``plan_digests``), an email still under the same Message-ID.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from exchange.clock import utcnow
from exchange.delivery import digests, mails, push_notes, pushes
from exchange.delivery.eligibility import Later
from exchange.ports import DeliveryDeferred
from workers.runtime import runtime

PUSH_NOTE = "workers.delivery.push_note"
MAIL_NOTE = "workers.delivery.mail_note"
DIGEST = "workers.delivery.digest"
RESEND_MAIL = "workers.delivery.resend_mail"


def _claim_then_send(rt, claim: Callable, put_off: Callable[[Later], None],
                     send: Callable, undo: Callable) -> str:
    """``claim(uow)`` → a plan, a ``Later`` or None; ``send(uow, plan)`` → what to report;
    ``undo(uow, plan, error)`` records a send that must be tried again."""
    with rt.unit_of_work() as uow:
        plan = claim(uow)
        uow.commit()
    if isinstance(plan, Later):
        put_off(plan)
        return f"later: {plan.why}"
    if plan is None:
        return "nothing to send"
    with rt.unit_of_work() as uow:
        try:
            outcome = send(uow, plan)
        except DeliveryDeferred as err:
            uow.rollback()
            undo(uow, plan, err)
            uow.commit()
            raise
        uow.commit()
    return outcome


def _at(later: Later) -> int:
    return int(later.at.timestamp())


def push_note(notification_id: int, late: bool = False) -> str:
    rt = runtime()
    return _claim_then_send(
        rt,
        claim=lambda uow: push_notes.claim_push(uow, settings=rt.settings, presence=rt.presence,
                                                notification_id=notification_id, late=late),
        put_off=lambda later: rt.jobs.enqueue_at(
            later.at, PUSH_NOTE, notification_id, True, queue="push",
            job_id=f"push-n{notification_id}-at{_at(later)}"),
        send=lambda uow, plan: _pushed(push_notes.send_claimed(
            uow, deliver=_push_sender(rt), key=plan.key)),
        undo=lambda uow, plan, err: push_notes.defer(uow, key=plan.key, error=err))


def _pushed(count: int) -> str:
    return f"pushed to {count}" if count else "not pushed"


def _push_sender(rt):
    """Web Push through the runtime's sender; a runtime without one (a test's) sends nothing."""
    if rt.pusher is None:
        return lambda session, member_id, note, member: 0
    return lambda session, member_id, note, member: pushes.deliver(
        session, rt.pusher, member_id, pushes.push_message(note, member, rt.settings))


def mail_note(notification_id: int, attempt: int = 0) -> str:
    rt = runtime()
    return _claim_then_send(
        rt,
        claim=lambda uow: mails.claim_note(uow, settings=rt.settings,
                                           notification_id=notification_id),
        put_off=lambda later: rt.jobs.enqueue_at(
            later.at, MAIL_NOTE, notification_id, attempt + 1, queue="mail",
            job_id=f"mail-n{notification_id}-q{_at(later)}"),
        send=lambda uow, plan: _send_mail(rt, uow, plan.message_id),
        undo=lambda uow, plan, err: mails.defer(uow, message_id=plan.message_id, error=err))


def resend_mail(message_id: str) -> str:
    """The sweep's job for a claim that was never sent (deferred, or its worker died)."""
    rt = runtime()
    return _claim_then_send(
        rt,
        claim=lambda uow: mails.Claimed(message_id) if mails.resend(
            uow, message_id=message_id) else None,
        put_off=lambda later: None,
        send=lambda uow, plan: _send_mail(rt, uow, plan.message_id),
        undo=lambda uow, plan, err: mails.defer(uow, message_id=plan.message_id, error=err))


def _send_mail(rt, uow, message_id: str) -> str:
    sent = mails.send_claimed(uow, mailer=rt.mailer, settings=rt.settings,
                              message_id=message_id)
    return f"sent {sent}" if sent else "not sent"


def resend_stale_mail() -> int:
    """For the sweep: put every stale mail claim back on the queue (once per attempt)."""
    rt = runtime()
    with rt.unit_of_work() as uow:
        found = mails.stale(uow.session)
    minute = int(utcnow().timestamp() // 60)
    for mid in found:
        digest_of_id = hashlib.sha256(mid.encode()).hexdigest()[:16]
        rt.jobs.enqueue(RESEND_MAIL, mid, queue="mail", job_id=f"resend-{digest_of_id}-{minute}")
    return len(found)


def digest(member_id: int, period_key: str) -> str:
    """``digest-{member}-{period}``: one member's digest for one period (``period_key`` only
    names the job)."""
    rt = runtime()
    return _claim_then_send(
        rt,
        claim=lambda uow: digests.claim_digest(uow, member_id=member_id),
        put_off=lambda later: rt.jobs.enqueue_at(
            later.at, DIGEST, member_id, period_key, queue="mail",
            job_id=f"digest-{member_id}-{period_key}-at{_at(later)}"),
        send=lambda uow, plan: "sent" if digests.send_claimed(
            uow, mailer=rt.mailer, settings=rt.settings, claimed=plan) else "not sent",
        undo=lambda uow, plan, err: digests.release(uow, claimed=plan))


def plan_digests() -> int:
    """For the sweep: a job for every member whose digest is due (ids make doubles harmless)."""
    rt = runtime()
    with rt.unit_of_work() as uow:
        digests.release_stale(uow.session)
        found = digests.due(uow.session)
        uow.commit()
    for member_id, period_key in found:
        rt.jobs.enqueue(DIGEST, member_id, period_key, queue="mail",
                        job_id=f"digest-{member_id}-{period_key}")
    return len(found)
