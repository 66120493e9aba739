"""Notifications by email: one message per ask's unread news, sent once, never in quiet hours.

``claim_note`` runs when a notification's delay has passed (the ``mail-n{id}`` job). If the
member has read it since, switched email off for its kind, has no verified address or is
gone, the decision is recorded (``skipped``) and nothing is sent. Otherwise every unread,
email-on, not yet mailed notification of the same ask is gathered — a burst of news about one
ask is one email — and each gets its ``Delivery`` row under its own key, all sharing one
``Message-ID``. The caller commits that claim, then ``send_claimed`` composes and sends the
message and marks the rows ``sent``.

A send that fails for now (``DeliveryDeferred``) leaves the rows claimed with the reason;
the job's retries and then the sweep (``stale``) send them again under the same Message-ID,
until ``MAX_ATTEMPTS``. A refusal for good (``DeliveryRefused``) marks them ``failed``.

Offers of an ask that is no longer open (taken, cancelled, hidden) are dropped from the
message: an email asking for help nobody needs any more would only disappoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from exchange.asks.models import Ask
from exchange.asks.schemas import dump_ask
from exchange.clock import utcnow
from exchange.delivery import links, records
from exchange.delivery.eligibility import Later, quiet_until, skip_reason, stale_offer
from exchange.delivery.models import Delivery
from exchange.mail.compose import Letter, message_id, render
from exchange.members.models import Member
from exchange.notifications import preferences
from exchange.notifications.models import Notification
from exchange.ports import DeliveryDeferred, DeliveryRefused

TEMPLATE = "notifications"
GRACE = timedelta(minutes=2)  # a claim older than this, still not sent, is taken over
MAX_ATTEMPTS = 48


@dataclass(frozen=True)
class Claimed:
    message_id: str


def key(notification_id: int) -> str:
    return f"n{notification_id}-email"


def claim_note(uow, *, settings, notification_id: int) -> Claimed | Later | None:
    """Decide about one notification's email and claim what is to be sent; None: nothing."""
    s, now = uow.session, utcnow()
    note = s.get(Notification, notification_id)
    if note is None:
        return None
    existing = records.get(s, key(note.id))
    if existing is not None:
        return _take_over(s, existing, now)
    member = s.get(Member, note.member_id)
    reason = skip_reason(s, member, note, "email") or _no_address(member) \
        or stale_offer(s, note)
    if reason is not None:
        records.record(s, key=key(note.id), channel="email", member_id=note.member_id,
                       notification_id=note.id, status="skipped", detail=reason)
        return None
    later = quiet_until(member, now)
    if later is not None:
        return later
    batch = [n for n in gather(s, note, member) if not stale_offer(s, n)]
    mid = message_id(key(note.id), settings)
    claimed = [n for n in batch if records.claim(
        s, key=key(n.id), channel="email", member_id=member.id, notification_id=n.id,
        message_id=mid)]
    return Claimed(mid) if claimed else None


def _no_address(member: Member) -> str | None:
    return None if member.email_verified else "no verified address"


def _take_over(session, row: Delivery, now) -> Claimed | None:
    """A key claimed before: send again only if that attempt is over."""
    if not records.attempt_over(row, now=now, grace=GRACE):
        return None
    for other in _rows(session, row.message_id):
        records.reclaim(other)
    return Claimed(row.message_id)


def gather(session, note: Notification, member: Member) -> list[Notification]:
    """This note and the member's other unread, unsent, email-on notes about the same ask."""
    if note.ask_id is None:
        return [note]
    rows = list(session.scalars(select(Notification).where(
        Notification.member_id == member.id, Notification.ask_id == note.ask_id,
        Notification.read_at.is_(None)).order_by(Notification.id)))
    sent = set(session.scalars(select(Delivery.key).where(
        Delivery.key.in_([key(r.id) for r in rows]))))
    channels = preferences.for_member(session, member.id)
    return [r for r in rows if r.id == note.id
            or (key(r.id) not in sent and (channels[r.kind].email
                                           or r.kind in preferences.ALWAYS))]


def _rows(session, mid: str) -> list[Delivery]:
    return list(session.scalars(select(Delivery).where(Delivery.message_id == mid,
                                                       Delivery.channel == "email")
                                .order_by(Delivery.notification_id)))


def send_claimed(uow, *, mailer, settings, message_id: str) -> int:
    """Compose and send the message whose rows are claimed under ``message_id``; marks them
    sent and returns how many notifications it carried. Raises ``DeliveryDeferred`` (rows
    stay claimed; see ``defer``)."""
    s = uow.session
    rows = [r for r in _rows(s, message_id) if r.status == "claimed"]
    if not rows:
        return 0
    notes = [s.get(Notification, r.notification_id) for r in rows]
    member = s.get(Member, rows[0].member_id)
    live = [n for n in notes if n is not None]
    if member is None or not member.email_verified or not live:
        for row in rows:
            records.finish(row, "skipped", "nothing left to send")
        return 0
    try:
        mailer.send(render(letter(s, settings, member, live, message_id), settings))
    except DeliveryRefused as err:
        for row in rows:
            records.finish(row, "failed", f"refused: {err}")
        return 0
    for row in rows:
        records.finish(row, "sent")
    return len(rows)


def defer(uow, *, message_id: str, error: DeliveryDeferred) -> None:
    """Note why the send failed for now; past ``MAX_ATTEMPTS`` give up (``failed``)."""
    for row in _rows(uow.session, message_id):
        if row.status != "claimed":
            continue
        if row.attempts >= MAX_ATTEMPTS:
            records.finish(row, "failed", f"gave up after {row.attempts} attempts: {error}")
        else:
            row.detail = f"deferred: {error}"[:2000]


def stale(session, *, now=None, limit: int = 100) -> list[str]:
    """Message-IDs whose claim is over (deferred or abandoned), for the sweep to send again."""
    rows = records.stale_claims(session, older_than=GRACE, now=now, limit=limit)
    return sorted({r.message_id for r in rows if r.channel == "email" and r.message_id
                   and r.notification_id is not None})  # account mail retries by itself


def resend(uow, *, message_id: str) -> bool:
    """Take over a stale claim (the sweep's job); False if it was settled meanwhile."""
    rows = [r for r in _rows(uow.session, message_id) if r.status == "claimed"]
    if not rows or utcnow() - max(r.claimed_at for r in rows) < GRACE:
        return False
    for row in rows:
        records.reclaim(row)
    return True


def letter(session, settings, member: Member, notes: list[Notification], mid: str) -> Letter:
    ask = session.get(Ask, notes[0].ask_id) if notes[0].ask_id else None
    offered = ask is not None and ask.status == "open" and any(
        n.kind == "ask.offered" for n in notes)
    opt_out = sorted({n.kind for n in notes} - preferences.ALWAYS)
    return Letter(
        to=member.email, template=TEMPLATE, kind=notes[-1].kind, message_id=mid,
        unsubscribe_url=(links.unsubscribe(settings, member_id=member.id, kinds=opt_out)
                         if opt_out else None),
        context={
            "member": {"display_name": member.display_name, "handle": member.handle,
                       "timezone": member.timezone},
            "notes": [{"kind": n.kind, "data": n.data, "created_at": n.created_at}
                      for n in notes],
            "ask": dump_ask(ask) if ask is not None else None,
            "links": {
                "ask": links.ask(settings, ask.id) if ask is not None else None,
                "home": links.home(settings),
                "settings": links.notification_settings(settings),
                "accept": links.offer(settings, member_id=member.id, ask_id=ask.id,
                                      action="accept") if offered else None,
                "pass": links.offer(settings, member_id=member.id, ask_id=ask.id,
                                    action="pass") if offered else None,
            },
        })
