"""The after-commit handler map: which jobs each durable event enqueues or cancels.

A literal ``{EventType: [handlers]}`` map, built once per process around a job queue. Job ids
are deterministic (``match-{ask}-{round}-{wave}``, ``expire-{ask}``, ``autoconfirm-{ask}``,
``plan-{ask}-{status}-{round}``, ``reinstate-{member}-{until epoch}`` — a later suspension
gets its own job; RQ allows only letters, digits, ``-`` and ``_`` in ids), so
re-dispatching an event (the outbox reconciler) is harmless. Job functions are named by
import path: the core never imports ``workers``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from exchange import events
from exchange.ports import JobQueue

MATCH = "workers.matching.match_ask"
EXPIRE = "workers.asks.expire_ask"
AUTO_CONFIRM = "workers.asks.auto_confirm"
PLAN_REMINDERS = "workers.reminders.plan"
REINSTATE = "workers.moderation.reinstate"
AUTO_CONFIRM_AFTER = timedelta(days=7)


def match_id(ask_id: int, round_: int, wave: int) -> str:
    return f"match-{ask_id}-{round_}-{wave}"


def build(jobs: JobQueue, settings, push=None) -> dict:
    def posted(e: events.AskPosted):
        jobs.enqueue(MATCH, e.ask_id, 0, 1, job_id=match_id(e.ask_id, 0, 1), queue="matching")
        if e.expires_at:
            jobs.enqueue_at(datetime.fromisoformat(e.expires_at), EXPIRE, e.ask_id,
                            job_id=f"expire-{e.ask_id}", queue="housekeeping")

    def reopened(e: events.AskReopened):
        jobs.enqueue(MATCH, e.ask_id, e.round, 1, job_id=match_id(e.ask_id, e.round, 1),
                     queue="matching")

    def wave_sent(e: events.WaveSent):
        if e.next_at:
            jobs.enqueue_at(datetime.fromisoformat(e.next_at), MATCH, e.ask_id, e.round,
                            e.wave + 1, job_id=match_id(e.ask_id, e.round, e.wave + 1),
                            queue="matching")

    def state_changed(e: events.AskStateChanged):
        if e.status in ("matched", "cancelled", "expired", "confirmed"):
            for wave in range(2, settings.max_waves + 2):
                jobs.cancel(match_id(e.ask_id, e.round, wave))
        if e.status in ("cancelled", "expired", "confirmed"):
            jobs.cancel(f"expire-{e.ask_id}")
            jobs.cancel(f"autoconfirm-{e.ask_id}")
        if e.status == "delivered" and e.at:
            jobs.enqueue_at(datetime.fromisoformat(e.at) + AUTO_CONFIRM_AFTER, AUTO_CONFIRM,
                            e.ask_id, job_id=f"autoconfirm-{e.ask_id}", queue="housekeeping")
        if e.status in ("matched", "delivered", "confirmed"):
            jobs.enqueue(PLAN_REMINDERS, e.ask_id, e.status, e.at,
                         job_id=f"plan-{e.ask_id}-{e.status}-{e.round}", queue="reminders")

    def notified(e: events.NotificationStored):
        if push is not None and e.payload is not None:
            push.push(e.member_id, e.kind, e.payload)

    def token_revoked(e: events.TokenRevoked):
        if push is not None:
            push.drop(token_id=e.token_id)

    def member_suspended(e: events.MemberSuspended):
        if push is not None:
            push.drop(member_id=e.member_id)
        if e.until:
            until = datetime.fromisoformat(e.until)
            jobs.enqueue_at(until, REINSTATE, e.member_id, queue="housekeeping",
                            job_id=f"reinstate-{e.member_id}-{int(until.timestamp())}")

    return {
        events.MemberSuspended: [member_suspended],
        events.NotificationStored: [notified],
        events.TokenRevoked: [token_revoked],
        events.AskPosted: [posted],
        events.AskReopened: [reopened],
        events.WaveSent: [wave_sent],
        events.AskStateChanged: [state_changed],
    }
