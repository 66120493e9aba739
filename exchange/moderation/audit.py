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

from sqlalchemy import select, text

from exchange.clock import utcnow
from exchange.members.service import get_by_handle
from exchange.moderation.models import AuditEntry
from exchange.pagination import keyset_page
from exchange.policy import require

GENESIS = "0" * 64
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


def page(session, *, actor_id=None, action=None, target_type=None, target_id=None,
         cursor=None, limit=50) -> tuple[list[AuditEntry], int | None]:
    """Newest first, filtered (``exchange.pagination``)."""
    query = select(AuditEntry)
    for column, value in ((AuditEntry.actor_id, actor_id), (AuditEntry.action, action),
                          (AuditEntry.target_type, target_type),
                          (AuditEntry.target_id, target_id)):
        if value is not None:
            query = query.where(column == value)
    return keyset_page(session, query, AuditEntry.id, cursor=cursor, limit=limit)


def read(session, *, actor, actor_handle: str | None = None, **filters):
    """``GET /mod/audit``: moderators read the log, filtered; an unknown actor matches none."""
    require(actor, "review")
    if actor_handle is not None:
        member = get_by_handle(session, actor_handle)
        if member is None:
            return [], None
        filters["actor_id"] = member.id
    return page(session, **filters)
