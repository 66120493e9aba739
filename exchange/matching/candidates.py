"""The candidate search: who may be offered an ask, as one SQL query.

Eligible: active, helping, not the author, no block either way, not offered this ask before,
did not step back from it, below capacity, a skill among the ask's tags (an untagged ask is
open to all), a weekly slot overlapping the ask's window on the helper's own wall clock (no
slots or no window: always fits), same area for in-person asks. Quiet hours are checked
afterwards on the small pool, since they only decide whether a push goes out now.

The query returns a **pool** of at most ``POOL`` members and its cost follows the pool, not
the membership. It walks ``match_pool`` (``exchange.matching.pool``: one row per helper who is
active, helping and below capacity, per skill tag, kept by triggers) along its index
``(tag, last_offered_at, member_id)`` — least recently offered first, the order fairness
wants — filters each row on what depends on the ask (author, blocks, offered or skipped
before, window, area) with index probes, and stops at ``POOL`` rows.

An ask with several tags walks each tag's index for its first ``POOL`` fitting helpers and
merges them: the pool is the ``POOL`` with most shared tags among those, then least recently
offered (docs/decisions/0011-matching-pool-walks-the-index.md says what that changes: a
helper with several of the tags who is beyond the first ``POOL`` of every tag's walk is not in
the pool). The pure ranking in ``matching.ranking`` orders the pool as before.

Windows: the ask's window is two UTC instants; each helper's slots are local weekday and
minutes, so the window is converted to the helper's wall clock in SQL
(``local_minute_of_week``: ``AT TIME ZONE`` on PostgreSQL, a registered function on SQLite)
and compared there. No stored UTC copy of a slot, so nothing drifts at a daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from exchange.asks.models import Ask, AskSkip
from exchange.asks.states import IN_PROGRESS
from exchange.db import UTCDateTime
from exchange.ledger.models import MemberTotals
from exchange.matching.pool import ANY_TAG, PoolEntry
from exchange.matching.ranking import Candidate
from exchange.members.models import AvailabilitySlot, Block, Member, MemberSkill
from exchange.members.timeutil import (
    WEEK,
    WEEKDAYS,
    local_window,
    overlaps,
    slot_range,
    window_bounds,
)
from exchange.offers.models import HelperStats, Offer

POOL = 50
RECENT_OFFERS = timedelta(days=14)
RECENTLY_HELPED = timedelta(days=30)


class local_minute_of_week(FunctionElement):  # noqa: N801 - an SQL function's name
    """Minutes since Monday 00:00 on ``tz``'s wall clock at a UTC instant given as epoch
    seconds: ``local_minute_of_week(epoch, tz)``."""

    type = Integer()
    inherit_cache = True


@compiles(local_minute_of_week, "postgresql")
def _local_mow_pg(element, compiler, **kw):
    epoch, tz = (compiler.process(arg, **kw) for arg in element.clauses)
    # The local wall-clock time as a timestamp without zone, its epoch counted as if UTC;
    # 1970-01-01 was a Thursday, so Monday 00:00 is 3 days (4320 minutes) before it.
    return (f"CAST(MOD(CAST(FLOOR(EXTRACT(EPOCH FROM (to_timestamp({epoch}) AT TIME ZONE {tz}))"
            f" / 60) AS BIGINT) + 4320, {WEEK}) AS INTEGER)")


class _mod(FunctionElement):  # noqa: N801
    """Integer remainder (sign of the dividend on both databases): MOD() on PostgreSQL, whose
    ``%`` a literal-bound EXPLAIN would double, and ``%`` on SQLite, which may lack MOD()."""

    type = Integer()
    inherit_cache = True


@compiles(_mod, "postgresql")
def _mod_pg(element, compiler, **kw):
    a, b = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"MOD({a}, {b})"


@compiles(_mod)
def _mod_default(element, compiler, **kw):
    a, b = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(({a}) % ({b}))"


@compiles(local_minute_of_week, "sqlite")
def _local_mow_sqlite(element, compiler, **kw):
    epoch, tz = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"exchange_local_mow({epoch}, {tz})"  # registered in exchange.db


def _window_fits(window, member_id, timezone, source):
    """Has the member no slots, or a slot overlapping the ask's window on their own clock?

    ``window``: (start, end, minutes) — the window's ends as epoch seconds and its length, as
    SQL expressions (literals, or bound parameters in the cached pool statement). One
    correlated subquery per candidate row: the two ends are converted to the member's clock
    once (a one-row derived table; its LIMIT keeps the planner from inlining the conversion
    into every slot comparison), then the member's slots are read through their index. No
    slots: the aggregate is NULL, and the member fits."""
    start, end, elapsed = window
    ends = (select(local_minute_of_week(start, timezone).label("ls"),
                   local_minute_of_week(end, timezone).label("le"))
            .correlate(source).limit(1).subquery("w"))
    begin = ends.c.ls
    # As timeutil.local_window: the wall clock's jump inside the window, in -12h..+12h.
    shift = _mod(_mod(ends.c.le - begin - elapsed, WEEK) + WEEK + WEEK // 2, WEEK) - WEEK // 2
    stop = begin + elapsed + shift
    slot = AvailabilitySlot
    slot_start = slot.weekday * 1440 + slot.start_minute
    slot_end = slot.weekday * 1440 + slot.end_minute
    overlap = or_(*(and_(slot_start + k * WEEK < stop, slot_end + k * WEEK > begin)
                    for k in (-1, 0, 1)))
    fits = (select(func.coalesce(func.max(case((overlap, 1), else_=0)), 1))
            .select_from(ends.join(slot, slot.member_id == member_id))
            .correlate(source).scalar_subquery())
    # "<> 0", not "= 1": PostgreSQL guesses 0.5% of rows pass an "=" on a subquery and would
    # then sort the whole tag instead of walking its index; "<>" it guesses passes nearly all.
    return fits != 0


def _window_values(ask, now) -> tuple[int, int, int] | None:
    bounds = window_bounds(ask.window_start, ask.window_end, now)
    if bounds is None:
        return None
    start, end = bounds
    return int(start.timestamp()), int(end.timestamp()), int((end - start).total_seconds() // 60)


def _full_helpers():
    """Members helping with as many asks as their capacity allows: a small set PostgreSQL
    builds once and hashes, instead of counting every candidate's asks one by one."""
    busy, helper = aliased(Ask), aliased(Member)
    return (select(busy.helper_id).join(helper, helper.id == busy.helper_id)
            .where(busy.status.in_(IN_PROGRESS))
            .group_by(busy.helper_id, helper.capacity)
            .having(func.count() >= helper.capacity))


def _ask_conditions(author, ask_id, window, member_id, timezone, source) -> list:
    """What depends on the ask: checked per row of the walk, each an index probe."""
    conds = [
        member_id != author,  # each block direction is its own probe of a primary key/index
        ~exists().where(Block.blocker_id == member_id, Block.blocked_id == author),
        ~exists().where(Block.blocker_id == author, Block.blocked_id == member_id),
        ~exists().where(Offer.ask_id == ask_id, Offer.member_id == member_id),
        ~exists().where(AskSkip.ask_id == ask_id, AskSkip.member_id == member_id),
    ]
    if window is not None:
        conds.append(_window_fits(window, member_id, timezone, source))
    return conds


def _area(ask) -> str:
    return (ask.area or "").strip().lower()


def _conditions(ask, now) -> list:
    """Eligibility from the source tables (the widened feed and tests), not the walk."""
    values = _window_values(ask, now)
    window = None if values is None else tuple(literal(v) for v in values)
    conds = [
        Member.status == "active", Member.helping.is_(True),
        Member.id.not_in(_full_helpers()),
        *_ask_conditions(ask.author_id, ask.id, window, Member.id, Member.timezone, Member),
    ]
    if ask.tags:
        conds.append(exists().where(MemberSkill.member_id == Member.id,
                                    MemberSkill.tag.in_(ask.tags)))
    if ask.mode == "in_person":
        conds.append(func.lower(func.trim(Member.area)) == _area(ask))
    return conds


def _walk(index: int, window: bool, in_person: bool, limit: int):
    """One tag's index walk: fitting helpers, least recently offered first, at most ``limit``."""
    p = aliased(PoolEntry)
    bounds = tuple(bindparam(name, type_=Integer()) for name in ("w_start", "w_end",
                                                                  "w_minutes")) if window else None
    conds = [p.tag == bindparam(f"tag_{index}", type_=String()),
             *_ask_conditions(bindparam("author", type_=Integer()),
                              bindparam("ask_id", type_=Integer()), bounds,
                              p.member_id, p.timezone, p)]
    if in_person:
        conds.append(p.area == bindparam("area", type_=String()))
    return (select(p.member_id, p.last_offered_at).where(*conds)
            .order_by(p.last_offered_at, p.member_id).limit(limit))


@lru_cache(maxsize=64)
def _statement(tags: int, window: bool, in_person: bool, limit: int):
    """The pool statement for one shape of ask (how many tags, a window or not, in person or
    not), built once per process: every value is a bound parameter, so SQLAlchemy compiles it
    once and the driver can prepare it on the server."""
    if tags == 1:
        chosen = _walk(0, window, in_person, limit).subquery("chosen")
        order = [chosen.c.last_offered_at, chosen.c.member_id]
    else:
        walks = [_walk(i, window, in_person, limit).subquery(f"walk_{i}")
                 for i in range(tags)]
        merged = union_all(*(select(w.c.member_id, w.c.last_offered_at) for w in walks)) \
            .subquery("merged")
        # Each walk found a member once per tag they share: the count is their overlap
        # among the walked rows (exact unless a walk stopped before reaching them).
        chosen = (select(merged.c.member_id, func.count().label("overlap"),
                         func.min(merged.c.last_offered_at).label("last_offered_at"))
                  .group_by(merged.c.member_id)
                  .order_by(func.count().desc(), func.min(merged.c.last_offered_at),
                            merged.c.member_id)
                  .limit(limit).subquery("chosen"))
        order = [chosen.c.overlap.desc(), chosen.c.last_offered_at, chosen.c.member_id]
    member = Member.id
    since = bindparam("since", type_=UTCDateTime())
    recent = (select(func.count()).where(Offer.member_id == member, Offer.offered_at >= since)
              .scalar_subquery())
    skills = (select(func.aggregate_strings(MemberSkill.tag, ","))
              .where(MemberSkill.member_id == member).scalar_subquery())
    columns = [Member.id, Member.handle, Member.timezone, Member.quiet_start, Member.quiet_end,
               HelperStats.offers_total, HelperStats.accepts_total,
               MemberTotals.last_received_at, recent.label("offers_recent"),
               skills.label("skills")]
    if window:  # for the reason text: which of their slots fit, worked out in Python
        slot = AvailabilitySlot
        text = (cast(slot.weekday, String) + ":" + cast(slot.start_minute, String) + ":"
                + cast(slot.end_minute, String))
        columns.append(select(func.aggregate_strings(text, ","))
                       .where(slot.member_id == member).scalar_subquery().label("slots"))
    return (select(*columns).select_from(chosen)
            .join(Member, Member.id == chosen.c.member_id)
            .outerjoin(HelperStats, HelperStats.member_id == Member.id)
            .outerjoin(MemberTotals, MemberTotals.member_id == Member.id)
            .order_by(*order))


def bound_statement(ask, now, limit: int = POOL):
    """The cached statement for this ask's shape, and the values for its parameters."""
    tags = sorted(set(ask.tags)) or [ANY_TAG]
    window = _window_values(ask, now)
    in_person = ask.mode == "in_person"
    values = {"author": ask.author_id, "ask_id": ask.id, "since": now - RECENT_OFFERS,
              **{f"tag_{i}": tag for i, tag in enumerate(tags)}}
    if window is not None:
        values.update(w_start=window[0], w_end=window[1], w_minutes=window[2])
    if in_person:
        values["area"] = _area(ask)
    return _statement(len(tags), window is not None, in_person, limit), values


def pool_query(ask, now, limit: int = POOL):
    """The pool statement with this ask's values bound (for EXPLAIN and the bench)."""
    statement, values = bound_statement(ask, now, limit)
    return statement.params(values)


def pool_rows(session, ask, now, limit: int = POOL) -> list:
    """The pool statement's rows: the hot path (the cached statement, values passed apart)."""
    statement, values = bound_statement(ask, now, limit)
    return session.execute(statement, values).all()


def eligible_ids(session, ask, now) -> list[int]:
    """Every eligible member id (for the widened feed and for tests); not bounded by POOL."""
    return list(session.scalars(select(Member.id).where(*_conditions(ask, now))
                                .order_by(Member.id)))


@dataclass(frozen=True)
class PoolMember:
    """What the wave needs of a pooled member besides the ``Candidate``: quiet hours."""

    id: int
    handle: str
    timezone: str
    quiet_start: int | None
    quiet_end: int | None


def pool(session, ask, now) -> list[tuple[PoolMember, Candidate]]:
    """The pool with what ranking needs, in one query; ``online`` is left False for the caller
    to fill in from presence (a port the query can't see)."""
    rows = pool_rows(session, ask, now)
    bounds = window_bounds(ask.window_start, ask.window_end, now)
    out = []
    for row in rows:
        out.append((PoolMember(id=row.id, handle=row.handle, timezone=row.timezone,
                               quiet_start=row.quiet_start, quiet_end=row.quiet_end),
                    Candidate(
            member_id=row.id, handle=row.handle,
            skills=frozenset(row.skills.split(",")) if row.skills else frozenset(),
            online=False, offers_recent=row.offers_recent,
            offers_total=row.offers_total or 0, accepts_total=row.accepts_total or 0,
            received_recently=bool(row.last_received_at
                                   and now - row.last_received_at <= RECENTLY_HELPED),
            window_day=_window_day(bounds, row) if bounds else None)))
    return out


def _window_day(bounds, row) -> str | None:
    """For the reason text: the local weekday of the first slot that fits the window, on the
    member's own clock."""
    if not row.slots:
        return None
    window = local_window(bounds, row.timezone)
    slots = sorted(tuple(int(x) for x in part.split(":")) for part in row.slots.split(","))
    for weekday, start, end in slots:
        if overlaps(slot_range(weekday, start, end), window):
            return WEEKDAYS[weekday]
    return None
