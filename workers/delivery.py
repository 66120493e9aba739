"""Delivery jobs: notifications by email (and, with Web Push, by push), sent once.

Each job decides in one transaction and commits its claim before anything leaves
(``exchange.delivery.mails``), then sends and commits the outcome. Quiet hours put a job off
until they end, under a new deterministic id. A send that fails for now raises, so RQ retries
it with backoff (``exchange.adapters.rq_jobs.RETRY``); after that the sweep's ``resend_stale``
takes it up, still under the same Message-ID.
"""

from __future__ import annotations

import hashlib

from exchange.clock import utcnow
from exchange.delivery import digests, mails, push_notes, pushes
from exchange.delivery.eligibility import Later
from exchange.ports import DeliveryDeferred
from workers.runtime import runtime

PUSH_NOTE = "workers.delivery.push_note"
MAIL_NOTE = "workers.delivery.mail_note"
DIGEST = "workers.delivery.digest"
RESEND_MAIL = "workers.delivery.resend_mail"


def push_note(notification_id: int, late: bool = False) -> str:
    rt = runtime()
    with rt.unit_of_work() as uow:
        plan = push_notes.claim_push(uow, settings=rt.settings, presence=rt.presence,
                                     notification_id=notification_id, late=late)
        uow.commit()
    if isinstance(plan, Later):
        rt.jobs.enqueue_at(plan.at, PUSH_NOTE, notification_id, True, queue="push",
                           job_id=f"push-n{notification_id}-at{int(plan.at.timestamp())}")
        return f"later: {plan.why}"
    if plan is None:
        return "nothing to send"
    with rt.unit_of_work() as uow:
        try:
            sent = push_notes.send_claimed(uow, deliver=_push_sender(rt), key=plan.key)
        except DeliveryDeferred as err:
            uow.rollback()
            push_notes.defer(uow, key=plan.key, error=err)
            uow.commit()
            raise
        uow.commit()
    return f"pushed to {sent}" if sent else "not pushed"


def _push_sender(rt):
    """Web Push through the runtime's sender; a runtime without one (a test's) sends nothing."""
    if rt.pusher is None:
        return lambda session, member_id, note, member: 0
    return lambda session, member_id, note, member: pushes.deliver(
        session, rt.pusher, member_id, pushes.push_message(note, member, rt.settings))


def mail_note(notification_id: int, attempt: int = 0) -> str:
    rt = runtime()
    with rt.unit_of_work() as uow:
        plan = mails.claim_note(uow, settings=rt.settings, notification_id=notification_id)
        uow.commit()
    if isinstance(plan, Later):
        rt.jobs.enqueue_at(plan.at, MAIL_NOTE, notification_id, attempt + 1, queue="mail",
                           job_id=f"mail-n{notification_id}-q{int(plan.at.timestamp())}")
        return f"later: {plan.why}"
    if plan is None:
        return "nothing to send"
    return _send(rt, plan.message_id)


def resend_mail(message_id: str) -> str:
    """The sweep's job for a claim that was never sent (deferred, or its worker died)."""
    rt = runtime()
    with rt.unit_of_work() as uow:
        taken = mails.resend(uow, message_id=message_id)
        uow.commit()
    return _send(rt, message_id) if taken else "settled meanwhile"


def _send(rt, message_id: str) -> str:
    with rt.unit_of_work() as uow:
        try:
            sent = mails.send_claimed(uow, mailer=rt.mailer, settings=rt.settings,
                                      message_id=message_id)
        except DeliveryDeferred as err:
            uow.rollback()
            mails.defer(uow, message_id=message_id, error=err)
            uow.commit()
            raise
        uow.commit()
    return f"sent {sent}" if sent else "not sent"


def resend_stale_mail() -> int:
    """For the sweep: put every stale mail claim back on the queue (once per attempt)."""
    rt = runtime()
    with rt.unit_of_work() as uow:
        found = mails.stale(uow.session)
    for mid in found:
        digest = hashlib.sha256(mid.encode()).hexdigest()[:16]
        rt.jobs.enqueue(RESEND_MAIL, mid, queue="mail",
                        job_id=f"resend-{digest}-{_minute()}")
    return len(found)


def _minute() -> int:
    return int(utcnow().timestamp() // 60)


def digest(member_id: int, period_key: str) -> str:
    """``digest-{member}-{period}``: one member's digest for one period (``period_key`` only
    names the job)."""
    rt = runtime()
    with rt.unit_of_work() as uow:
        plan = digests.claim_digest(uow, member_id=member_id)
        uow.commit()
    if isinstance(plan, Later):
        rt.jobs.enqueue_at(plan.at, DIGEST, member_id, period_key, queue="mail",
                           job_id=f"digest-{member_id}-{period_key}-at{int(plan.at.timestamp())}")
        return f"later: {plan.why}"
    if plan is None:
        return "nothing to send"
    with rt.unit_of_work() as uow:
        try:
            sent = digests.send_claimed(uow, mailer=rt.mailer, settings=rt.settings,
                                        claimed=plan)
        except DeliveryDeferred:
            uow.rollback()
            digests.release(uow, claimed=plan)
            uow.commit()
            raise
        uow.commit()
    return "sent" if sent else "not sent"


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
