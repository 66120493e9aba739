"""Ledger services: write a help transfer exactly once, reverse one, read totals.

See ``ledger.models`` for the sign convention and what enforces each invariant. ``record_help``
is idempotent: a second call for the same ask returns the first transfer, and the UNIQUE key on
``transfers.ask_id`` settles a race between two transactions (the loser's savepoint rolls back).
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from exchange.clock import utcnow
from exchange.errors import Conflict, InvalidInput, NotFound
from exchange.ledger.models import Entry, MemberTotals, Transfer
from exchange.pagination import keyset_page


def ensure_totals(session, member_id: int) -> None:
    if session.get(MemberTotals, member_id) is None:
        try:
            with session.begin_nested():
                session.add(MemberTotals(member_id=member_id))
        except IntegrityError:
            pass  # another transaction created it first


def transfer_for_ask(session, ask_id: int) -> Transfer | None:
    return session.scalar(select(Transfer).where(Transfer.ask_id == ask_id))


def record_help(uow, *, ask, minutes: int, auto: bool = False) -> Transfer:
    """Credit the helper and debit the asker for one confirmed ask, once."""
    s = uow.session
    existing = transfer_for_ask(s, ask.id)
    if existing is not None:
        return existing
    transfer = Transfer(kind="help", ask_id=ask.id, from_member_id=ask.author_id,
                        to_member_id=ask.helper_id, minutes=minutes, auto=auto,
                        created_at=utcnow())
    try:
        with s.begin_nested():
            _write(s, transfer, helps=1)
    except IntegrityError:
        return transfer_for_ask(s, ask.id)
    return transfer


def _write(session, transfer: Transfer, *, helps: int) -> None:
    session.add(transfer)
    session.flush()
    session.add_all([
        Entry(transfer_id=transfer.id, member_id=transfer.to_member_id, amount=transfer.minutes),
        Entry(transfer_id=transfer.id, member_id=transfer.from_member_id, amount=-transfer.minutes),
    ])
    _bump(session, transfer.to_member_id, given=transfer.minutes, helps_given=helps)
    _bump(session, transfer.from_member_id, received=transfer.minutes, asks_received=helps,
          received_at=transfer.created_at if helps > 0 else None)
    session.flush()


def _bump(session, member_id, *, given=0, received=0, helps_given=0, asks_received=0,
          received_at=None) -> None:
    """Atomic increments (``x = x + n``) so concurrent transfers never lose an update."""
    ensure_totals(session, member_id)
    values = {
        "given_minutes": MemberTotals.given_minutes + given,
        "received_minutes": MemberTotals.received_minutes + received,
        "helps_given": MemberTotals.helps_given + helps_given,
        "asks_received": MemberTotals.asks_received + asks_received,
    }
    if received_at is not None:
        values["last_received_at"] = received_at
    session.execute(update(MemberTotals).where(MemberTotals.member_id == member_id)
                    .values(**values).execution_options(synchronize_session=False))


def reverse_transfer(uow, *, actor, transfer_id: int, reason: str) -> Transfer:
    """A correction: a new transfer in the opposite direction naming the original."""
    s = uow.session
    original = s.get(Transfer, transfer_id)
    if original is None:
        raise NotFound("No such transfer.")
    if original.kind != "help":
        raise Conflict("A reversal cannot itself be reversed.", code="not_reversible")
    if not reason.strip():
        raise InvalidInput("Say why.", fields={"reason": ["A reason is required."]})
    reversal = Transfer(kind="reversal", reverses_id=original.id,
                        from_member_id=original.to_member_id, to_member_id=original.from_member_id,
                        minutes=original.minutes, reason=reason, created_by_id=actor.id,
                        created_at=utcnow())
    try:
        with s.begin_nested():
            _write_reversal(s, reversal, original)
    except IntegrityError:
        raise Conflict("That transfer was already reversed.", code="already_reversed") from None
    return reversal


def _write_reversal(session, reversal: Transfer, original: Transfer) -> None:
    # The reversal undoes the help on both sides' totals, counts included.
    session.add(reversal)
    session.flush()
    session.add_all([
        Entry(transfer_id=reversal.id, member_id=original.to_member_id, amount=-original.minutes),
        Entry(transfer_id=reversal.id, member_id=original.from_member_id, amount=original.minutes),
    ])
    _bump(session, original.to_member_id, given=-original.minutes, helps_given=-1)
    _bump(session, original.from_member_id, received=-original.minutes, asks_received=-1)
    session.flush()


def totals(session, member_id: int) -> dict:
    row = session.get(MemberTotals, member_id)
    given = row.given_minutes if row else 0
    received = row.received_minutes if row else 0
    return {
        "given_minutes": given,
        "received_minutes": received,
        "balance": given - received,
        "helps_given": row.helps_given if row else 0,
        "asks_received": row.asks_received if row else 0,
    }


def entries_page(session, *, member_id: int, cursor: int | None,
                 limit: int) -> tuple[list, int | None]:
    return keyset_page(session, select(Entry).where(Entry.member_id == member_id), Entry.id,
                       cursor=cursor, limit=limit)


def sums_by_member(session) -> dict[int, tuple[int, int]]:
    """(given, received) per member, from the entries themselves (for the invariant check).

    The helper's side of a help is its positive entry; a reversal takes it back with a
    negative one, so given = help credits − reversed credits (and the mirror for received)."""
    giving_side = or_(and_(Transfer.kind == "help", Entry.amount > 0),
                      and_(Transfer.kind == "reversal", Entry.amount < 0))
    given = func.sum(case((giving_side, Entry.amount), else_=0))
    received = func.sum(case((giving_side, 0), else_=-Entry.amount))
    rows = session.execute(select(Entry.member_id, given, received)
                           .join(Transfer, Transfer.id == Entry.transfer_id)
                           .group_by(Entry.member_id))
    return {m: (int(g or 0), int(r or 0)) for m, g, r in rows}


def entries_total(session) -> int:
    return session.scalar(select(func.coalesce(func.sum(Entry.amount), 0)))
