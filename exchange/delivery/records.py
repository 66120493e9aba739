"""What went out, once: claim a delivery's key before handing the message over.

``claim`` inserts the ``Delivery`` row for a key in its own savepoint; a key that exists
already returns None, so a retried or doubled job sends nothing twice. The caller commits the
claim *before* sending, then marks the row ``sent`` (or ``failed``) afterwards. A worker that
dies between the two leaves a ``claimed`` row: ``stale_claims`` lists those older than a grace
period so the sweep can hand them back (``reclaim``), and the message is sent again with the
same ``Message-ID`` — the one duplicate SMTP cannot rule out (the server accepted it, the
worker died before it heard so), which mail clients fold by that id.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from exchange.clock import utcnow
from exchange.delivery.models import Delivery


def claim(session, *, key: str, channel: str, member_id: int | None,
          notification_id: int | None = None, message_id: str | None = None) -> Delivery | None:
    row = Delivery(key=key, channel=channel, member_id=member_id,
                   notification_id=notification_id, message_id=message_id, status="claimed",
                   claimed_at=utcnow(), attempts=1, detail="")
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def get(session, key: str) -> Delivery | None:
    return session.scalar(select(Delivery).where(Delivery.key == key))


def record(session, *, key: str, channel: str, member_id: int | None, status: str,
           notification_id: int | None = None, detail: str = "") -> Delivery | None:
    """A decision that needs no sending (``skipped``: seen live, switched off, no address)."""
    row = claim(session, key=key, channel=channel, member_id=member_id,
                notification_id=notification_id)
    if row is not None:
        finish(row, status, detail)
    return row


def finish(row: Delivery, status: str, detail: str = "") -> None:
    row.status = status
    row.detail = detail[:2000]
    if status == "sent":
        row.sent_at = utcnow()


def attempt_over(row: Delivery, *, now: datetime, grace: timedelta) -> bool:
    """A claim whose attempt has ended without ``sent``: it was deferred, or its worker has
    had ``grace`` to finish and did not (it died). A fresh claim belongs to a worker sending
    right now, and is left alone."""
    return row.status == "claimed" and (row.detail.startswith("deferred")
                                        or now - row.claimed_at >= grace)


def stale_claims(session, *, older_than: timedelta, now: datetime | None = None,
                 limit: int = 200) -> list[Delivery]:
    cutoff = (now or utcnow()) - older_than
    return list(session.scalars(select(Delivery).where(
        Delivery.status == "claimed", Delivery.claimed_at < cutoff)
        .order_by(Delivery.id).limit(limit)))


def reclaim(row: Delivery) -> None:
    """Take over a stale claim: one more attempt, claimed now."""
    row.attempts += 1
    row.claimed_at = utcnow()


def summary(session, *, since: datetime) -> dict[str, dict[str, int]]:
    """``{channel: {status: count}}`` of deliveries decided since ``since`` (for operators)."""
    rows = session.execute(select(Delivery.channel, Delivery.status, func.count())
                           .where(Delivery.claimed_at >= since)
                           .group_by(Delivery.channel, Delivery.status)).all()
    found: dict[str, dict[str, int]] = {"email": {}, "push": {}}
    for channel, status, count in rows:
        found.setdefault(channel, {})[status] = count
    return found
