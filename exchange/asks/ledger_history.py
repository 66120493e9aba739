"""A member's give and receive over time, for their ledger page: each help given and received
(with the ask and the other person), and the minutes of each by month in their own time zone.

Sides follow ``service.sums_by_member``: a help's positive entry is time given, its negative one
time received; a reversal takes back what its original gave (so a month's figure is net of
corrections made in it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from exchange.asks.models import Ask
from exchange.ledger.models import Entry, Transfer
from exchange.members.models import Member


@dataclass(frozen=True)
class Line:
    """One entry of the member's ledger, in words."""
    id: int
    at: datetime
    side: str  # "given" | "received" | "given, taken back" | "received, taken back"
    minutes: int
    ask_id: int | None
    ask_title: str | None
    other_handle: str
    other_name: str


@dataclass(frozen=True)
class Month:
    label: str  # "Nov 2026"
    key: str  # "2026-11"
    given: int
    received: int


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def lines(session, *, member_id: int, cursor: int | None = None,
          limit: int = 20) -> tuple[list[Line], int | None]:
    """Newest first, ``limit`` at a time; ``cursor`` is the last id of the page before."""
    other = aliased(Member)
    original = aliased(Transfer)
    ask_id = func.coalesce(Transfer.ask_id, original.ask_id)
    query = (select(Entry, Transfer, ask_id, Ask.title, other.handle, other.display_name)
             .join(Transfer, Transfer.id == Entry.transfer_id)
             .outerjoin(original, original.id == Transfer.reverses_id)
             .outerjoin(Ask, Ask.id == ask_id)
             .join(other, other.id == _other_side(member_id))
             .where(Entry.member_id == member_id))
    if cursor:
        query = query.where(Entry.id < cursor)
    rows = session.execute(query.order_by(Entry.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    found = []
    for entry, transfer, ask_id, title, handle, name in rows[:limit]:
        gave = (entry.amount > 0) == (transfer.kind == "help")
        side = "given" if gave else "received"
        if transfer.kind == "reversal":
            side += ", taken back"
        found.append(Line(entry.id, entry.created_at, side, abs(entry.amount),
                          ask_id, title, handle, name))
    return found, (found[-1].id if more else None)


def _other_side(member_id: int):
    return case((Transfer.from_member_id == member_id, Transfer.to_member_id),
                else_=Transfer.from_member_id)


def by_month(session, *, member_id: int, timezone: str | None, now: datetime,
             months: int = 12) -> list[Month]:
    """The last ``months`` calendar months (this one included), oldest first, in the member's
    time zone; a month with nothing in it is there with zeros."""
    zone = zone_of(timezone)
    local_now = now.astimezone(zone)
    keys = []
    year, month = local_now.year, local_now.month
    for _ in range(months):
        keys.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    start = datetime(*keys[0], 1, tzinfo=zone)
    sums = {key: [0, 0] for key in keys}
    rows = session.execute(
        select(Entry.amount, Entry.created_at, Transfer.kind)
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .where(Entry.member_id == member_id, Entry.created_at >= start))
    for amount, at, kind in rows:
        local = at.astimezone(zone)
        key = (local.year, local.month)
        if key not in sums:
            continue
        giving = (amount > 0) == (kind == "help")
        if giving:
            sums[key][0] += amount
        else:
            sums[key][1] -= amount
    return [Month(datetime(y, m, 1).strftime("%b %Y"), f"{y:04d}-{m:02d}", *sums[(y, m)])
            for y, m in keys]
