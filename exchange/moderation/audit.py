"""The append-only audit log with a hash chain.

Each moderation action appends one ``AuditEntry``: who (``actor_id``; None for the system, e.g.
an automatic reinstatement), what (``action``), on what (``target_type``, ``target_id``), why
(``reason``), extra ``data``, and when (``created_at``, UTC).

Chain: ``hash = sha256(prev_hash + canonical JSON of the entry)``, where the canonical JSON is
the entry's fields above (not its id) with sorted keys and no spaces, and ``prev_hash`` is the
previous entry's hash (64 zeros for the first). Appends are serialized so two transactions
never chain onto the same predecessor: on PostgreSQL a transaction-scoped advisory lock; on
SQLite every write transaction already starts with BEGIN IMMEDIATE.

Nothing here updates or deletes an entry; on PostgreSQL a trigger refuses both (see the
``moderation`` migration). ``verify`` walks the chain and names the first entry that breaks it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, or_, select, text

from exchange.asks.models import Ask
from exchange.clock import utcnow
from exchange.conversation.models import Message
from exchange.members.models import Member
from exchange.members.service import get_by_handle
from exchange.moderation.models import AuditEntry
from exchange.pagination import keyset_page
from exchange.policy import require

GENESIS = "0" * 64
# Every action the log can hold, for the filter's choices (the system's own is ``auto_hide``).
ACTIONS = ("auto_hide", "dismiss", "hide", "restore", "warn", "suspend", "ban", "reinstate",
           "set_role", "reverse_transfer")
LOCK_KEY = 740_512_001  # the advisory lock that serializes appends on PostgreSQL


def canonical(entry: AuditEntry) -> str:
    body = {"actor_id": entry.actor_id, "action": entry.action,
            "target_type": entry.target_type, "target_id": entry.target_id,
            "reason": entry.reason, "data": entry.data or {},
            "created_at": entry.created_at.isoformat()}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + canonical(entry)).encode()).hexdigest()


def _last_hash(session) -> str:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    last = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    return last or GENESIS


def record(uow, *, actor, action: str, target_type: str, target_id: int, reason: str = "",
           data: dict | None = None) -> AuditEntry:
    entry = AuditEntry(actor_id=actor.id if actor is not None else None, action=action,
                       target_type=target_type, target_id=target_id, reason=reason or "",
                       data=data or {}, created_at=utcnow())
    entry.prev_hash = _last_hash(uow.session)
    entry.hash = digest(entry.prev_hash, entry)
    uow.session.add(entry)
    uow.flush()
    return entry


def verify(session, batch: int = 500) -> int | None:
    """None when the chain is intact, else the id of the first entry that breaks it."""
    prev, after = GENESIS, 0
    while True:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.id > after)
                                    .order_by(AuditEntry.id).limit(batch)))
        for entry in rows:
            if entry.prev_hash != prev or entry.hash != digest(prev, entry):
                return entry.id
            prev = entry.hash
        if len(rows) < batch:
            return None
        after = rows[-1].id


def about_member(member_id: int):
    """Entries about a member: on the member themselves, or on one of their asks or messages."""
    return or_(
        and_(AuditEntry.target_type == "member", AuditEntry.target_id == member_id),
        and_(AuditEntry.target_type == "ask",
             AuditEntry.target_id.in_(select(Ask.id).where(Ask.author_id == member_id))),
        and_(AuditEntry.target_type == "message",
             AuditEntry.target_id.in_(select(Message.id).where(Message.author_id == member_id))))


def about_whom(session, entry: AuditEntry) -> Member | None:
    """The member an entry is about: its target, or the author of its ask or message."""
    if entry.target_type == "member":
        return session.get(Member, entry.target_id)
    model = {"ask": Ask, "message": Message}.get(entry.target_type)
    row = session.get(model, entry.target_id) if model is not None else None
    return session.get(Member, row.author_id) if row is not None else None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def page(session, *, actor_id=None, action=None, target_type=None, target_id=None,
         member_id=None, since: date | None = None, until: date | None = None,
         cursor=None, limit=50) -> tuple[list[AuditEntry], int | None]:
    """Newest first, filtered (``exchange.pagination``); ``since`` and ``until`` are UTC days,
    both included."""
    query = select(AuditEntry)
    for column, value in ((AuditEntry.actor_id, actor_id), (AuditEntry.action, action),
                          (AuditEntry.target_type, target_type),
                          (AuditEntry.target_id, target_id)):
        if value is not None:
            query = query.where(column == value)
    if member_id is not None:
        query = query.where(about_member(member_id))
    if since is not None:
        query = query.where(AuditEntry.created_at >= _midnight(since))
    if until is not None:
        query = query.where(AuditEntry.created_at < _midnight(until + timedelta(days=1)))
    return keyset_page(session, query, AuditEntry.id, cursor=cursor, limit=limit)


def read(session, *, actor, actor_handle: str | None = None, member_handle: str | None = None,
         **filters):
    """``GET /mod/audit``: moderators read the log, filtered; an unknown actor or member
    matches none."""
    require(actor, "review")
    for handle, key in ((actor_handle, "actor_id"), (member_handle, "member_id")):
        if handle is not None:
            member = get_by_handle(session, handle)
            if member is None:
                return [], None
            filters[key] = member.id
    return page(session, **filters)
