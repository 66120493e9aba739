"""Notifications by Web Push: at once to a member with no page open, after the live delay to
one who has a page open but has not seen it, never in quiet hours, once.

``claim_push`` decides (the ``push-n{id}`` job). A member with a socket open now may see the
notification live: the job comes back when ``EXCHANGE_MAIL_DELAY_SECONDS`` have passed since
it was stored (``late``) and pushes only if it is still unread. The decision and the claim
share ``exchange.delivery.eligibility`` and ``records`` with mail; the sending itself is
``deliver(session, member_id, note, member) -> accepted count``, given by the caller (the Web
Push adapter, through ``exchange.delivery.pushes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from exchange.clock import utcnow
from exchange.delivery import records
from exchange.delivery.eligibility import Later, quiet_until, skip_reason, stale_offer
from exchange.delivery.models import Delivery, PushSubscription
from exchange.members.models import Member
from exchange.notifications.models import Notification
from exchange.ports import DeliveryRefused

GRACE = timedelta(minutes=2)


@dataclass(frozen=True)
class Claimed:
    key: str


def key(notification_id: int) -> str:
    return f"n{notification_id}-push"


def claim_push(uow, *, settings, presence, notification_id: int,
               late: bool = False) -> Claimed | Later | None:
    s, now = uow.session, utcnow()
    note = s.get(Notification, notification_id)
    if note is None:
        return None
    existing = records.get(s, key(note.id))
    if existing is not None:
        return _take_over(existing, now)
    member = s.get(Member, note.member_id)
    reason = skip_reason(s, member, note, "push") or stale_offer(s, note) \
        or _no_subscription(s, member)
    if reason is not None:
        records.record(s, key=key(note.id), channel="push", member_id=note.member_id,
                       notification_id=note.id, status="skipped", detail=reason)
        return None
    if not late and member.id in presence.online([member.id]):
        return Later(note.created_at + timedelta(seconds=settings.mail_delay_seconds),
                     "the member has the exchange open")
    later = quiet_until(member, now)
    if later is not None:
        return later
    claimed = records.claim(s, key=key(note.id), channel="push", member_id=member.id,
                            notification_id=note.id)
    return Claimed(claimed.key) if claimed else None


def _take_over(row: Delivery, now) -> Claimed | None:
    if not records.attempt_over(row, now=now, grace=GRACE):
        return None
    records.reclaim(row)
    return Claimed(row.key)


def _no_subscription(session, member: Member) -> str | None:
    count = session.scalar(select(func.count()).select_from(PushSubscription)
                           .where(PushSubscription.member_id == member.id))
    return None if count else "no device has push on"


def send_claimed(uow, *, deliver, key: str) -> int:
    """Push the claimed notification to the member's devices; marks the row sent (or skipped
    when every subscription turned out gone). ``DeliveryDeferred`` propagates."""
    s = uow.session
    row = records.get(s, key)
    if row is None or row.status != "claimed":
        return 0
    note = s.get(Notification, row.notification_id)
    member = s.get(Member, row.member_id) if row.member_id else None
    if note is None or member is None:
        records.finish(row, "skipped", "nothing left to send")
        return 0
    try:
        accepted = deliver(s, member.id, note, member)
    except DeliveryRefused as err:
        records.finish(row, "failed", f"refused: {err}")
        return 0
    records.finish(row, "sent" if accepted else "skipped",
                   "" if accepted else "every subscription was gone")
    return accepted


def defer(uow, *, key: str, error: Exception) -> None:
    row = records.get(uow.session, key)
    if row is not None and row.status == "claimed":
        row.detail = f"deferred: {error}"[:2000]
