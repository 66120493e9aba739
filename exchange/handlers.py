"""After-commit handlers: what each event sets going outside the database, in one literal map.

``EVENT_HANDLERS`` maps an event type to named module functions. Each takes the event and, by
keyword, only the adapters it uses — ``jobs`` (the ``JobQueue`` port), ``push`` (the push
publisher: ``push(member_id, kind, payload)``, ``to_feeds(tags, kind, payload)`` and
``drop(member_id=|token_id=)``), ``hops``
(the ``HopTrace`` port: where post → offer spends its time) and ``settings`` — which
``exchange.adapters.bootstrap`` injects once per process. So a log line names
``enqueue_matching``, and a test can call a handler with a fake.

Every durable event (``Event.durable``) has at least one handler here: the outbox keeps a
durable event pending until a process with its handlers has run them all.

Job ids are deterministic (``match-{ask}-{round}-{wave}``, ``expire-{ask}``,
``autoconfirm-{ask}``, ``plan-{ask}-{status}-{round}``, ``push-n{notification}``,
``mail-n{notification}``, ``reinstate-{member}-{until epoch}`` — a later suspension gets its
own job —, ``account-{purpose}-{member}-{ref}`` for account mail; RQ allows only letters,
digits, ``-`` and ``_`` in ids), so running a handler again (the outbox reconciler) is
harmless. Job functions are named by import path: the core never imports ``workers``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from exchange import events
from exchange.asks.models import AUTO_CONFIRM_AFTER
from exchange.clock import utcnow
from exchange.ports import HopTrace, JobQueue, JobSpec

MATCH = "workers.matching.match_ask"
EXPIRE = "workers.asks.expire_ask"
AUTO_CONFIRM = "workers.asks.auto_confirm"
PLAN_REMINDERS = "workers.reminders.plan"
REINSTATE = "workers.moderation.reinstate"
PUSH_NOTE = "workers.delivery.push_note"
MAIL_NOTE = "workers.delivery.mail_note"
ACCOUNT_MAIL = "workers.account_mail.send_account_mail"

STOPS_MATCHING = frozenset({"matched", "cancelled", "expired", "confirmed"})
CLOSES = frozenset({"cancelled", "expired", "confirmed"})
PLANS_REMINDERS = frozenset({"matched", "delivered", "confirmed"})


def match_id(ask_id: int, round_: int, wave: int) -> str:
    return f"match-{ask_id}-{round_}-{wave}"


def _first_wave(jobs: JobQueue, ask_id: int, round_: int) -> None:
    jobs.enqueue(MATCH, ask_id, round_, 1, job_id=match_id(ask_id, round_, 1), queue="matching")


def enqueue_matching(event: events.AskPosted, *, jobs: JobQueue, hops: HopTrace) -> None:
    hops.mark(event.ask_id, "committed")  # dispatch starts the moment the commit returns
    _first_wave(jobs, event.ask_id, 0)
    hops.mark(event.ask_id, "enqueued")


def enqueue_rematching(event: events.AskReopened, *, jobs: JobQueue) -> None:
    """A helper stepped back: a new round of waves, which skips them."""
    _first_wave(jobs, event.ask_id, event.round)


def schedule_expiry(event: events.AskPosted, *, jobs: JobQueue) -> None:
    if event.expires_at:
        jobs.enqueue_at(datetime.fromisoformat(event.expires_at), EXPIRE, event.ask_id,
                        job_id=f"expire-{event.ask_id}", queue="housekeeping")


def schedule_next_wave(event: events.WaveSent, *, jobs: JobQueue) -> None:
    if event.next_at:
        jobs.enqueue_at(datetime.fromisoformat(event.next_at), MATCH, event.ask_id, event.round,
                        event.wave + 1, job_id=match_id(event.ask_id, event.round, event.wave + 1),
                        queue="matching")


def cancel_pending_jobs(event: events.AskStateChanged, *, jobs: JobQueue, settings) -> None:
    """Taken or closed: later waves are moot; closed: so are expiry and auto-confirm."""
    if event.status in STOPS_MATCHING:
        for wave in range(2, settings.max_waves + 2):
            jobs.cancel(match_id(event.ask_id, event.round, wave))
    if event.status in CLOSES:
        jobs.cancel(f"expire-{event.ask_id}")
        jobs.cancel(f"autoconfirm-{event.ask_id}")


def schedule_auto_confirm(event: events.AskStateChanged, *, jobs: JobQueue) -> None:
    if event.status == "delivered" and event.at:
        jobs.enqueue_at(datetime.fromisoformat(event.at) + AUTO_CONFIRM_AFTER, AUTO_CONFIRM,
                        event.ask_id, job_id=f"autoconfirm-{event.ask_id}", queue="housekeeping")


def plan_reminders(event: events.AskStateChanged, *, jobs: JobQueue) -> None:
    if event.status in PLANS_REMINDERS:
        jobs.enqueue(PLAN_REMINDERS, event.ask_id, event.status, event.at,
                     job_id=f"plan-{event.ask_id}-{event.status}-{event.round}",
                     queue="reminders")


def push_notification(event: events.NotificationStored, *, push, hops: HopTrace) -> None:
    if event.payload is None:
        return
    ask_id = event.payload["data"].get("ask", {}).get("id") if event.kind == "ask.offered" \
        else None
    if ask_id:
        hops.mark(ask_id, "offers_committed")  # the wave's commit has just returned
    push.push(event.member_id, event.kind, event.payload)
    if ask_id:
        hops.mark(ask_id, "published")


def push_notifications(batch: list[events.NotificationStored], *, push,
                       hops: HopTrace) -> None:
    """``push_notification`` for a run of them (a wave's offers): one publish round trip."""
    asks = list(dict.fromkeys(
        e.payload["data"].get("ask", {}).get("id") for e in batch
        if e.payload is not None and e.kind == "ask.offered"))
    asks = [a for a in asks if a]
    for ask_id in asks:
        hops.mark(ask_id, "offers_committed")
    push.push_many([(e.member_id, e.kind, e.payload) for e in batch if e.payload is not None])
    for ask_id in asks:
        hops.mark(ask_id, "published")


def tell_open_feeds(event: events.AskClosedToHelpers, *, push) -> None:
    """Pages listing the ask among those someone could help with stop offering it."""
    push.to_feeds(event.tags, "feed.closed", {"ask_id": event.ask_id, "why": event.why})


def schedule_off_page(event: events.OffPageDue, *, jobs: JobQueue, settings) -> None:
    """Push at once (the job waits out the delay itself if the member has a page open; when
    the wave already saw the page open, the job is planned for after the delay straight
    away); mail once the delay has passed, when the job sends only what is still unread."""
    schedule_off_pages([event], jobs=jobs, settings=settings)


def schedule_off_pages(batch: list[events.OffPageDue], *, jobs: JobQueue, settings) -> None:
    """``schedule_off_page`` for a run of them (a wave's offers): one call, so the queue can
    send every job of the wave in one round trip instead of two per offered helper."""
    now = utcnow()
    jobs.enqueue_many([job for event in batch for job in _off_page_jobs(event, settings, now)])


def _off_page_jobs(event: events.OffPageDue, settings, now: datetime) -> list[JobSpec]:
    planned = []
    delay = timedelta(seconds=settings.mail_delay_seconds)
    if event.push and event.online:
        # What the push job itself does for a member with a page open (``Later``): come back
        # once the delay has passed, and push only if still unread. Same job id as its own.
        late = datetime.fromisoformat(event.created_at) + delay
        planned.append(JobSpec(PUSH_NOTE, (event.notification_id, True),
                               f"push-n{event.notification_id}-at{int(late.timestamp())}",
                               "push", late))
    elif event.push:
        planned.append(JobSpec(PUSH_NOTE, (event.notification_id,),
                               f"push-n{event.notification_id}", "push"))
    if event.email:
        due = datetime.fromisoformat(event.created_at) + delay
        planned.append(JobSpec(MAIL_NOTE, (event.notification_id,),
                               f"mail-n{event.notification_id}", "mail",
                               None if due <= now else due))
    return planned


def drop_token_sockets(event: events.TokenRevoked, *, push) -> None:
    push.drop(token_id=event.token_id)


def drop_member_sockets(event: events.MemberSuspended, *, push) -> None:
    push.drop(member_id=event.member_id)


def schedule_reinstatement(event: events.MemberSuspended, *, jobs: JobQueue) -> None:
    if event.until:
        until = datetime.fromisoformat(event.until)
        jobs.enqueue_at(until, REINSTATE, event.member_id, queue="housekeeping",
                        job_id=f"reinstate-{event.member_id}-{int(until.timestamp())}")


def enqueue_account_mail(event: events.AccountMailRequested, *, jobs: JobQueue) -> None:
    jobs.enqueue(ACCOUNT_MAIL, event.purpose, event.member_id, event.address, event.ref,
                 event.other_address, job_id=event.job_id, queue="mail")


EVENT_HANDLERS = {
    events.AskPosted: [enqueue_matching, schedule_expiry],
    events.AskReopened: [enqueue_rematching],
    events.WaveSent: [schedule_next_wave],
    events.AskStateChanged: [cancel_pending_jobs, schedule_auto_confirm, plan_reminders],
    events.NotificationStored: [push_notification],
    events.AskClosedToHelpers: [tell_open_feeds],
    events.OffPageDue: [schedule_off_page],
    events.TokenRevoked: [drop_token_sockets],
    events.MemberSuspended: [drop_member_sockets, schedule_reinstatement],
    events.AccountMailRequested: [enqueue_account_mail],
}

# Runs of consecutive events handled together (``Dispatcher.batch``); a lone one still goes
# through ``EVENT_HANDLERS``, so both maps must say the same thing.
BATCH_HANDLERS = {
    events.NotificationStored: [push_notifications],
    events.OffPageDue: [schedule_off_pages],
}
