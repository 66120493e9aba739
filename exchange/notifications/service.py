"""Notifications: store first, push after commit.

``notify`` writes the row inside the caller's transaction and emits ``NotificationStored``;
the dispatcher pushes it once the commit succeeds. Readers page with ``after`` (the last id
they saw), oldest first, the same order a reconnecting socket replays.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from exchange.clock import utcnow
from exchange.events import NotificationStored, OffPageDue
from exchange.notifications import preferences
from exchange.notifications.models import KINDS, Notification


def ask_id_of(data: dict) -> int | None:
    """The ask a notification is about: ``data.ask.id`` or ``data.ask_id``."""
    ask = data.get("ask")
    found = ask.get("id") if isinstance(ask, dict) else data.get("ask_id")
    return found if isinstance(found, int) and not isinstance(found, bool) else None


def notify(uow, *, member_id: int, kind: str, data: dict) -> Notification:
    """Store a notification; after commit it is pushed live unless the member switched live
    pushes of this kind off (it is stored and listed either way), and the jobs that may take
    it off the page by email or Web Push are planned (``OffPageDue``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    row = Notification(member_id=member_id, kind=kind, data=data, ask_id=ask_id_of(data),
                       created_at=utcnow())
    uow.session.add(row)
    uow.flush()
    channels = preferences.effective(uow.session, member_id, kind)
    uow.emit(NotificationStored(notification_id=row.id, member_id=member_id, kind=kind,
                                payload=as_payload(row) if channels.live else None))
    if channels.email or channels.push:
        uow.emit(OffPageDue(notification_id=row.id, member_id=member_id, kind=kind,
                            created_at=row.created_at.isoformat(), email=channels.email,
                            push=channels.push))
    return row


def notify_many(uow, *, kind: str, items: list[tuple[int, dict]],
                online: frozenset[int] | set[int] = frozenset()) -> list[int]:
    """``notify`` for many members at once — ``(member_id, data)`` each, one per member — in
    a fixed number of statements whatever their number: the rows in one multi-row insert, the
    members' settings in one query, the durable events' outbox rows in one more. Every
    ``NotificationStored`` is emitted before any ``OffPageDue``, so the pushes leave together
    (the dispatcher publishes a run of them at once) before the jobs are planned. Returns the
    notification ids, in the order of ``items``. ``online``: members the caller just saw with
    a page open (``OffPageDue.online``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not items:
        return []
    if len({m for m, _ in items}) != len(items):
        raise ValueError("notify_many takes one notification per member")
    now = utcnow()
    table = Notification.__table__  # Core, run with a list of rows: one cached statement
    ids = dict(uow.session.execute(insert(table).returning(table.c.member_id, table.c.id), [
        {"member_id": member_id, "kind": kind, "data": data, "ask_id": ask_id_of(data),
         "created_at": now} for member_id, data in items]).all())
    channels = preferences.effective_many(uow.session, [m for m, _ in items], kind)
    stored = [NotificationStored(
        notification_id=ids[m], member_id=m, kind=kind,
        payload={"id": ids[m], "kind": kind, "created_at": now.isoformat(), "read_at": None,
                 "data": data} if channels[m].live else None) for m, data in items]
    due = [OffPageDue(notification_id=ids[m], member_id=m, kind=kind,
                      created_at=now.isoformat(), email=channels[m].email,
                      push=channels[m].push, online=m in online)
           for m, _ in items if channels[m].email or channels[m].push]
    uow.emit_many([*stored, *due])
    return [ids[m] for m, _ in items]


def list_after(session, *, member_id: int, after: int = 0, limit: int = 100) -> list[Notification]:
    query = (select(Notification)
             .where(Notification.member_id == member_id, Notification.id > after)
             .order_by(Notification.id).limit(limit))
    return list(session.scalars(query))


def latest_id(session, *, member_id: int) -> int:
    """The member's newest notification id (0 for none): where a page's live stream starts."""
    return session.scalar(select(func.coalesce(func.max(Notification.id), 0)).where(
        Notification.member_id == member_id))


def mark_read(uow, *, member_id: int, ids: list[int] | None = None,
              up_to: int | None = None) -> int:
    query = update(Notification).where(Notification.member_id == member_id,
                                       Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    if up_to is not None:
        query = query.where(Notification.id <= up_to)
    result = uow.session.execute(query.values(read_at=utcnow()))
    return result.rowcount or 0


def as_payload(row: Notification) -> dict:
    """The stored notification as pushed and as listed ."""
    return {
        "id": row.id,
        "kind": row.kind,
        "created_at": row.created_at.isoformat(),
        "read_at": row.read_at.isoformat() if row.read_at else None,
        "data": row.data,
    }
