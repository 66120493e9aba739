"""Send a reminder or nudge once: the ``SentReminder`` row is the guard.

``send_once`` with ``every`` allows the same key again after that long (nudges); without it
the (member, ask, key) triple is sent at most once, ever.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exchange.clock import utcnow
from exchange.notifications.service import notify
from exchange.reminders.models import SentReminder


def already_sent(session, *, member_id: int, key: str, ask_id: int = 0,
                 within: timedelta | None = None) -> bool:
    query = select(SentReminder.id).where(SentReminder.member_id == member_id,
                                          SentReminder.key.like(key + "%"),
                                          SentReminder.ask_id == ask_id)
    if within is not None:
        query = query.where(SentReminder.sent_at > utcnow() - within)
    return session.scalar(query.limit(1)) is not None


def send_once(uow, *, member_id: int, key: str, kind: str, data: dict, ask_id: int = 0,
              every: timedelta | None = None) -> bool:
    s, now = uow.session, utcnow()
    if every is not None:
        if already_sent(s, member_id=member_id, key=key, ask_id=ask_id, within=every):
            return False
        stored_key = f"{key}:{now:%Y%m%d%H%M%S}"
    else:
        stored_key = key
    try:
        with s.begin_nested():
            s.add(SentReminder(member_id=member_id, ask_id=ask_id, key=stored_key, sent_at=now))
    except IntegrityError:
        return False
    notify(uow, member_id=member_id, kind=kind, data=data)
    return True
