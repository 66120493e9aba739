"""Send a reminder or nudge once: the ``SentReminder`` row is the guard.

``send_once`` with ``every`` allows the same key again after that long (nudges); without it
the (member, ask, key) triple is sent at most once, ever.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exchange.clock import utcnow
from exchange.db import dialect_insert
from exchange.notifications.service import notify, notify_many
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


def send_once_many(uow, *, member_ids: list[int], key: str, kind: str, data: dict,
                   every: timedelta, ask_id: int = 0) -> list[int]:
    """``send_once`` (with ``every``) to many members with the same data, in a fixed number of
    statements: who had it within ``every`` (one query), the guard rows (one insert, a
    duplicate skipped), the notifications (``notify_many``). Returns who was sent it."""
    if not member_ids:
        return []
    s, now = uow.session, utcnow()
    recent = set(s.scalars(select(SentReminder.member_id).where(
        SentReminder.member_id.in_(set(member_ids)), SentReminder.key.like(key + "%"),
        SentReminder.ask_id == ask_id, SentReminder.sent_at > now - every)))
    wanted = [m for m in dict.fromkeys(member_ids) if m not in recent]
    if not wanted:
        return []
    stored_key = f"{key}:{now:%Y%m%d%H%M%S}"
    insert = dialect_insert(s)
    table = SentReminder.__table__  # Core, run with a list of rows: one cached statement
    stmt = insert(table).on_conflict_do_nothing(
        index_elements=["member_id", "ask_id", "key"]).returning(table.c.member_id)
    guarded = set(s.execute(stmt, [
        {"member_id": m, "ask_id": ask_id, "key": stored_key, "sent_at": now}
        for m in wanted]).scalars())
    sent = [m for m in wanted if m in guarded]
    notify_many(uow, kind=kind, items=[(m, data) for m in sent])
    return sent
