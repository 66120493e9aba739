"""Notifications: store first, push after commit.

``notify`` writes the row inside the caller's transaction and emits ``NotificationStored``;
the dispatcher pushes it once the commit succeeds. Just before that commit, ``number`` gives
the transaction's rows their member's next ``seq`` numbers, in one statement that locks the
members' counters in member-id order (two transactions never wait on each other in a circle)
until the commit: so ``seq`` follows commit order per member, with no gaps. Readers page with
``after`` (the id of the last notification they handled) and get the member's rows numbered
after that one, in ``seq`` order — the order a reconnecting socket replays — so a row
committed late under a lower id is never skipped (docs/decisions/0016-notification-sequence.md).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.orm.attributes import set_committed_value

from exchange.clock import utcnow
from exchange.db import dialect_insert
from exchange.events import NotificationStored, OffPageDue
from exchange.notifications import preferences
from exchange.notifications.models import KINDS, NoteCounter, Notification

_NUMBER = "notifications.number"


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
    payload = as_payload(row) if channels.live else None
    uow.stage(_NUMBER, (member_id, row.id, payload, row), number)
    uow.emit(NotificationStored(notification_id=row.id, member_id=member_id, kind=kind,
                                payload=payload))
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
    pushed = {m: {"id": ids[m], "seq": None, "kind": kind, "created_at": now.isoformat(),
                  "read_at": None, "data": data} if channels[m].live else None
              for m, data in items}
    for m, _ in items:
        uow.stage(_NUMBER, (m, ids[m], pushed[m], None), number)
    stored = [NotificationStored(notification_id=ids[m], member_id=m, kind=kind,
                                 payload=pushed[m]) for m, _ in items]
    due = [OffPageDue(notification_id=ids[m], member_id=m, kind=kind,
                      created_at=now.isoformat(), email=channels[m].email,
                      push=channels[m].push, online=m in online)
           for m, _ in items if channels[m].email or channels[m].push]
    uow.emit_many([*stored, *due])
    return [ids[m] for m, _ in items]


def number(uow, pending: list[tuple[int, int, dict | None, Notification | None]]) -> None:
    """Number a transaction's notifications — ``(member id, notification id, its push payload
    or None, its ORM row or None)`` each, in the order they were written — just before the
    commit: the members' counters are bumped in one upsert (rows in member-id order, so the
    locks are taken in that order) and the rows' ``seq`` set from the new highest numbers — on
    PostgreSQL both in one statement, elsewhere an upsert and an executemany. The counters stay
    locked until the commit, so a second transaction numbering for the same member waits and
    numbers after this one: ``seq`` follows commit order."""
    session = uow.session
    session.flush()
    counts = Counter(member_id for member_id, *_ in pending)
    ordinal: Counter = Counter()
    rows = []  # (notification id, member id, its place among the member's rows here)
    for member_id, note_id, *_ in pending:
        ordinal[member_id] += 1
        rows.append((note_id, member_id, ordinal[member_id]))
    if session.get_bind().dialect.name == "postgresql":
        seqs = _number_in_one(session, counts, rows)
    else:
        seqs = _number_in_two(session, counts, rows)
    for _, note_id, payload, row in pending:
        if payload is not None:
            payload["seq"] = seqs[note_id]
        if row is not None:  # what the statement wrote: not a change to flush
            set_committed_value(row, "seq", seqs[note_id])


# PostgreSQL: the counters' upsert feeds the rows' update in one statement (a data-modifying
# CTE over arrays: one text whatever the number of rows, so psycopg prepares it once).
_NUMBER_IN_ONE = text("""
WITH top AS (
    INSERT INTO note_counters (member_id, seq)
    SELECT m, n FROM unnest(CAST(:members AS integer[]), CAST(:counts AS integer[])) AS c(m, n)
    ON CONFLICT (member_id) DO UPDATE SET seq = note_counters.seq + excluded.seq
    RETURNING member_id, seq)
UPDATE notifications SET seq = top.seq - p.n + p.k
FROM unnest(CAST(:ids AS integer[]), CAST(:owners AS integer[]), CAST(:places AS integer[]),
            CAST(:totals AS integer[])) AS p(id, m, k, n)
JOIN top ON top.member_id = p.m
WHERE notifications.id = p.id
RETURNING notifications.id, notifications.seq""")


def _number_in_one(session, counts: Counter, rows: list[tuple[int, int, int]]) -> dict[int, int]:
    members = sorted(counts)
    return dict(session.execute(_NUMBER_IN_ONE, {
        "members": members, "counts": [counts[m] for m in members],
        "ids": [r[0] for r in rows], "owners": [r[1] for r in rows],
        "places": [r[2] for r in rows], "totals": [counts[r[1]] for r in rows]}).all())


def _number_in_two(session, counts: Counter, rows: list[tuple[int, int, int]]) -> dict[int, int]:
    table = NoteCounter.__table__
    stmt = dialect_insert(session)(table).values(
        [{"member_id": m, "seq": counts[m]} for m in sorted(counts)])
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.member_id],
                                      set_={"seq": table.c.seq + stmt.excluded.seq})
    top = dict(session.execute(stmt.returning(table.c.member_id, table.c.seq)).all())
    seqs = {note_id: top[m] - counts[m] + k for note_id, m, k in rows}
    notes = Notification.__table__
    session.execute(update(notes).where(notes.c.id == bindparam("nid"))
                    .values(seq=bindparam("s")), [{"nid": n, "s": s} for n, s in seqs.items()])
    return seqs


def _after_seq(session, member_id: int, after: int):
    """The condition for "after the notification with id ``after``": the member's rows
    numbered after it, or, when ``after`` is 0 or not one of theirs, those with a higher id."""
    if after <= 0:
        return Notification.seq > 0
    found = session.scalar(select(Notification.seq).where(
        Notification.id == after, Notification.member_id == member_id))
    return Notification.seq > found if found is not None else Notification.id > after


def list_after(session, *, member_id: int, after: int = 0, limit: int = 100) -> list[Notification]:
    """The member's notifications after the one with id ``after`` (0: from the first), oldest
    first in commit order (``seq``)."""
    query = (select(Notification)
             .where(Notification.member_id == member_id, _after_seq(session, member_id, after))
             .order_by(Notification.seq).limit(limit))
    return list(session.scalars(query))


def recent(session, *, member_id: int, limit: int = 20) -> list[Notification]:
    """The member's latest ``limit`` notifications, newest first in commit order: the history a
    page shows after a reload."""
    return list(session.scalars(
        select(Notification).where(Notification.member_id == member_id, Notification.seq > 0)
        .order_by(Notification.seq.desc()).limit(limit)))


def unread_count(session, *, member_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.member_id == member_id, Notification.read_at.is_(None))) or 0


def latest(session, *, member_id: int) -> tuple[int, int]:
    """(id, seq) of the member's latest notification in commit order ((0, 0) for none): where
    a page's live stream starts."""
    row = session.execute(select(Notification.id, Notification.seq)
                          .where(Notification.member_id == member_id, Notification.seq > 0)
                          .order_by(Notification.seq.desc()).limit(1)).first()
    return (row.id, row.seq) if row else (0, 0)


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
        "seq": row.seq,
        "kind": row.kind,
        "created_at": row.created_at.isoformat(),
        "read_at": row.read_at.isoformat() if row.read_at else None,
        "data": row.data,
    }
