"""The candidate search: who may be offered an ask, as one SQL query.

Eligible: active, helping, not the author, no block either way, not offered this ask before,
did not step back from it, below capacity, a skill among the ask's tags (an untagged ask is
open to all), a weekly slot overlapping the ask's window in UTC (no slots or no window: always
fits), same area for in-person asks. Quiet hours are checked afterwards on the small pool,
since they only decide whether a push goes out now.

The query returns a **pool** of at most ``POOL`` members, ordered by the two terms that
dominate the ranking — tag overlap, then least recently offered (fairness) — and the pure
ranking in ``matching.ranking`` orders that pool. The work in Python is bounded by the pool;
the database's is not yet: it filters every eligible member and sorts them (a top-N sort, not
an index scan) before the LIMIT, so its cost grows with the membership.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from exchange.asks.models import Ask, AskSkip
from exchange.asks.states import IN_PROGRESS
from exchange.ledger.models import MemberTotals
from exchange.matching.ranking import Candidate
from exchange.members.models import AvailabilitySlot, Block, Member, MemberSkill
from exchange.members.timeutil import WEEK, WEEKDAYS, overlaps, window_ranges
from exchange.offers.models import HelperStats, Offer

POOL = 50
RECENT_OFFERS = timedelta(days=14)
RECENTLY_HELPED = timedelta(days=30)


def _window_fits(ask, now):
    window = window_ranges(ask.window_start, ask.window_end, now)
    if window is None:
        return None
    start, end = window
    slot = AvailabilitySlot
    overlap = or_(*(and_(slot.utc_start + k * WEEK < end, slot.utc_end + k * WEEK > start)
                    for k in (-1, 0, 1)))
    has_slots = exists().where(slot.member_id == Member.id)
    fits = exists().where(slot.member_id == Member.id, overlap)
    return or_(~has_slots, fits)


def _full_helpers():
    """Members helping with as many asks as their capacity allows: a small set PostgreSQL
    builds once and hashes, instead of counting every candidate's asks one by one."""
    busy, helper = aliased(Ask), aliased(Member)
    return (select(busy.helper_id).join(helper, helper.id == busy.helper_id)
            .where(busy.status.in_(IN_PROGRESS))
            .group_by(busy.helper_id, helper.capacity)
            .having(func.count() >= helper.capacity))


def _conditions(ask, now, *, tags: bool = True) -> list:
    author = ask.author_id
    blocked = or_(and_(Block.blocker_id == Member.id, Block.blocked_id == author),
                  and_(Block.blocker_id == author, Block.blocked_id == Member.id))
    conds = [
        Member.status == "active", Member.helping.is_(True), Member.id != author,
        ~exists().where(blocked),
        ~exists().where(Offer.ask_id == ask.id, Offer.member_id == Member.id),
        ~exists().where(AskSkip.ask_id == ask.id, AskSkip.member_id == Member.id),
        Member.id.not_in(_full_helpers()),
    ]
    if ask.tags and tags:
        conds.append(exists().where(MemberSkill.member_id == Member.id,
                                    MemberSkill.tag.in_(ask.tags)))
    window = _window_fits(ask, now)
    if window is not None:
        conds.append(window)
    if ask.mode == "in_person":
        conds.append(func.lower(Member.area) == (ask.area or "").strip().lower())
    return conds


def pool_query(ask, now, limit: int = POOL):
    query = (select(Member, HelperStats, MemberTotals.last_received_at)
             .outerjoin(HelperStats, HelperStats.member_id == Member.id)
             .outerjoin(MemberTotals, MemberTotals.member_id == Member.id))
    order = []
    if ask.tags:
        # Shared tags counted once per member, then joined: the join is also the skills
        # filter, so nothing is counted twice and the sort reads a column, not a subquery.
        tagged = (select(MemberSkill.member_id, func.count().label("overlap"))
                  .where(MemberSkill.tag.in_(ask.tags)).group_by(MemberSkill.member_id)
                  .subquery())
        query = query.join(tagged, tagged.c.member_id == Member.id)
        order.append(tagged.c.overlap.desc())
    # No constant term for an untagged ask: rendered literally, "ORDER BY 0" is a column
    # position to PostgreSQL and fails (as in an EXPLAIN of the compiled query).
    return (query.where(*_conditions(ask, now, tags=False))
            .order_by(*order, HelperStats.last_offered_at.asc().nulls_first(), Member.id)
            .limit(limit))


def eligible_ids(session, ask, now) -> list[int]:
    """Every eligible member id (for the widened feed and for tests); not bounded by POOL."""
    return list(session.scalars(select(Member.id).where(*_conditions(ask, now))
                                .order_by(Member.id)))


def pool(session, ask, now) -> list[tuple[Member, Candidate]]:
    """The pool with what ranking needs; ``online`` is left False for the caller to fill in
    from presence (a port the query can't see)."""
    rows = session.execute(pool_query(ask, now)).all()
    ids = [member.id for member, _, _ in rows]
    recent = _recent_offers(session, ids, now)
    days = _window_days(session, ask, ids, now)
    out = []
    for member, stats, last_received in rows:
        out.append((member, Candidate(
            member_id=member.id, handle=member.handle, skills=frozenset(member.skill_tags),
            online=False, offers_recent=recent.get(member.id, 0),
            offers_total=stats.offers_total if stats else 0,
            accepts_total=stats.accepts_total if stats else 0,
            received_recently=bool(last_received and now - last_received <= RECENTLY_HELPED),
            window_day=days.get(member.id))))
    return out


def _recent_offers(session, ids: list[int], now) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(select(Offer.member_id, func.count())
                           .where(Offer.member_id.in_(ids),
                                  Offer.offered_at >= now - RECENT_OFFERS)
                           .group_by(Offer.member_id))
    return dict(rows.all())


def _window_days(session, ask, ids: list[int], now) -> dict[int, str]:
    """For the reason text: the local weekday of a slot that fits the window."""
    window = window_ranges(ask.window_start, ask.window_end, now)
    if window is None or not ids:
        return {}
    days: dict[int, str] = {}
    slots = session.scalars(select(AvailabilitySlot).where(AvailabilitySlot.member_id.in_(ids))
                            .order_by(AvailabilitySlot.member_id, AvailabilitySlot.utc_start))
    for slot in slots:
        if slot.member_id not in days and overlaps((slot.utc_start, slot.utc_end), window):
            days[slot.member_id] = WEEKDAYS[slot.weekday]
    return days
