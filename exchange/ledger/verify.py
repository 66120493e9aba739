"""Check the ledger against its invariants (CONTRACT §5), for ``exchange ledger verify``.

The database refuses most breaches as they happen (docs/invariants.md); this reads everything
back after the fact — after a restore, on SQLite (which cannot refuse a transfer left with one
leg), or when someone lifted the guards. Each check returns plain sentences naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select

from exchange.ledger.models import Entry, MemberTotals, Transfer
from exchange.ledger.service import entries_total, sums_by_member

SHOWN = 20  # name at most this many offenders per check


@dataclass
class Report:
    transfers: int = 0
    entries: int = 0
    members: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session, *, more: Iterable[Callable[[object], list[str]]] = ()) -> Report:
    """The ledger's own checks, then ``more`` (checks that need features above the ledger:
    ``asks.ledger_check`` adds one transfer per confirmed ask)."""
    report = Report(transfers=session.scalar(select(func.count()).select_from(Transfer)),
                    entries=session.scalar(select(func.count()).select_from(Entry)))
    total = entries_total(session)
    if total != 0:
        report.problems.append(f"the entries sum to {total}, not 0")
    report.problems += _unbalanced_transfers(session)
    report.members, problems = _totals_problems(session)
    report.problems += problems
    for check in more:
        report.problems += check(session)
    return report


def name_ids(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:SHOWN])
    return shown + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")


def _unbalanced_transfers(session) -> list[str]:
    """Each transfer has exactly its two legs: +minutes to ``to``, −minutes from ``from``."""
    legs = func.count(Entry.id)
    good = func.sum(case((and_(Entry.member_id == Transfer.to_member_id,
                               Entry.amount == Transfer.minutes), 1),
                         (and_(Entry.member_id == Transfer.from_member_id,
                               Entry.amount == -Transfer.minutes), 1), else_=0))
    rows = session.execute(
        select(Transfer.id).outerjoin(Entry, Entry.transfer_id == Transfer.id)
        .group_by(Transfer.id)
        .having((legs != 2) | (func.coalesce(good, 0) != 2)
                | (func.coalesce(func.sum(Entry.amount), 0) != 0))
        .order_by(Transfer.id)).scalars().all()
    if not rows:
        return []
    return [f"transfers that do not balance (two legs summing to 0): {name_ids(rows)}"]


def _counts_by_member(session) -> dict[int, tuple[int, int]]:
    """(helps_given, asks_received) per member from the transfers: a help counts once on each
    side, and its reversal takes the count back."""
    counts: dict[int, list[int]] = {}
    rows = session.execute(select(Transfer.kind, Transfer.from_member_id, Transfer.to_member_id))
    for kind, asker, helper in rows:
        step = 1 if kind == "help" else -1
        if kind == "reversal":  # the reversal runs from the helper back to the asker
            asker, helper = helper, asker
        counts.setdefault(helper, [0, 0])[0] += step
        counts.setdefault(asker, [0, 0])[1] += step
    return {m: (c[0], c[1]) for m, c in counts.items()}


def _totals_problems(session) -> tuple[int, list[str]]:
    """Every member's cached totals equal what their entries and transfers say."""
    sums, counts = sums_by_member(session), _counts_by_member(session)
    cached = {row.member_id: row for row in session.scalars(select(MemberTotals))}
    wrong = []
    for member_id in sorted(set(sums) | set(cached) | set(counts)):
        row = cached.get(member_id)
        have = ((row.given_minutes, row.received_minutes, row.helps_given, row.asks_received)
                if row else (0, 0, 0, 0))
        want = sums.get(member_id, (0, 0)) + counts.get(member_id, (0, 0))
        if have != want:
            wrong.append(member_id)
    members = len(set(sums) | set(cached))
    if not wrong:
        return members, []
    return members, [f"members whose totals differ from their entries: {name_ids(wrong)}"]
