"""Community health for moderators: where asks wait, where helpers are, how fast help comes,
how often members flag. ``GET /mod/health``.

What a moderator looks for: a tag whose asks wait days while nobody offers that skill (recruit
or re-tag), a weekday nobody covers, the time to first offer creeping up, a week with a spike
in flags. Everything is counted in SQL and bounded by its window, so the page stays cheap as
the exchange grows; the medians reuse the community view's (the latest 1000 asks).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from exchange import stats
from exchange.asks.models import Ask, AskTag
from exchange.clock import utcnow
from exchange.members.models import AvailabilitySlot, Member, MemberSkill
from exchange.moderation.models import Flag
from exchange.policy import require

UNTAGGED = "(no tag)"
AGES = (("under_1h", timedelta(hours=1)), ("under_1d", timedelta(days=1)),
        ("under_1w", timedelta(weeks=1)))
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def health(session, *, actor, weeks: int = 8, now: datetime | None = None) -> dict:
    require(actor, "review")
    now = now or utcnow()
    return {
        "generated_at": now,
        "waiting": waiting_by_tag(session, now),
        "supply": supply_by_skill(session),
        "helpers_by_weekday": helpers_by_weekday(session),
        "median_seconds_to_first_offer": stats.median_first_offer(session),
        "median_seconds_to_match": stats.median_to_match(session),
        "flags_per_week": flags_per_week(session, now, weeks),
    }


def waiting_by_tag(session, now: datetime) -> list[dict]:
    """Open, visible asks per tag (an ask with two tags counts under both), by age, with the
    longest wait; the tags with the most waiting first."""
    tag = func.coalesce(AskTag.tag, UNTAGGED)
    buckets = [func.sum(case((Ask.created_at > now - age, 1), else_=0)).label(name)
               for name, age in AGES]
    rows = session.execute(
        select(tag.label("tag"), func.count(Ask.id).label("asks"), *buckets,
               func.min(Ask.created_at).label("oldest"))
        .select_from(Ask).outerjoin(AskTag, AskTag.ask_id == Ask.id)
        .where(Ask.status == "open", Ask.hidden.is_(False))
        .group_by(AskTag.tag)).all()
    out = []
    for row in rows:
        counts = [int(getattr(row, name) or 0) for name, _ in AGES]
        out.append({
            "tag": row.tag, "asks": row.asks,
            "under_1h": counts[0], "from_1h_to_1d": counts[1] - counts[0],
            "from_1d_to_1w": counts[2] - counts[1], "over_1w": row.asks - counts[2],
            "oldest_wait_seconds": max(0.0, (now - row.oldest).total_seconds()),
        })
    return sorted(out, key=lambda w: (-w["asks"], w["tag"]))


def supply_by_skill(session) -> list[dict]:
    """Members offering each skill (active, helping, not hidden), and how many of them have a
    weekly slot on each weekday (their own timezone's weekday); the scarcest skills first."""
    available = (Member.status == "active", Member.helping.is_(True), Member.hidden.is_(False))
    totals = dict(session.execute(
        select(MemberSkill.tag, func.count(func.distinct(MemberSkill.member_id)))
        .join(Member, Member.id == MemberSkill.member_id).where(*available)
        .group_by(MemberSkill.tag)).all())
    per_day = session.execute(
        select(MemberSkill.tag, AvailabilitySlot.weekday,
               func.count(func.distinct(MemberSkill.member_id)))
        .join(Member, Member.id == MemberSkill.member_id)
        .join(AvailabilitySlot, AvailabilitySlot.member_id == Member.id)
        .where(*available).group_by(MemberSkill.tag, AvailabilitySlot.weekday)).all()
    days = {skill: dict.fromkeys(WEEKDAYS, 0) for skill in totals}
    for skill, weekday, count in per_day:
        days[skill][WEEKDAYS[weekday]] = count
    return [{"skill": skill, "helpers": totals[skill], "by_weekday": days[skill]}
            for skill in sorted(totals, key=lambda s: (totals[s], s))]


def helpers_by_weekday(session) -> dict[str, int]:
    """How many members open to helping (active, helping, not hidden) have a weekly slot on
    each weekday, Monday first (a dict in ``WEEKDAYS`` order; JSON may reorder the keys, so
    readers go by ``WEEKDAYS``, never by the order the keys arrive in)."""
    rows = dict(session.execute(
        select(AvailabilitySlot.weekday, func.count(func.distinct(AvailabilitySlot.member_id)))
        .join(Member, Member.id == AvailabilitySlot.member_id)
        .where(Member.status == "active", Member.helping.is_(True), Member.hidden.is_(False))
        .group_by(AvailabilitySlot.weekday)).all())
    return {day: int(rows.get(i, 0)) for i, day in enumerate(WEEKDAYS)}


def flags_per_week(session, now: datetime, weeks: int) -> list[dict]:
    """Flags raised per ISO week (Monday to Sunday, UTC), the last ``weeks`` weeks, oldest
    first, empty weeks included."""
    this_monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0)
    starts = [this_monday - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    counts = [0] * weeks
    # The window's flags are few (a busy week has dozens): bucketed here, which also keeps
    # PostgreSQL from refusing a GROUP BY over an expression with bound parameters.
    for created in session.scalars(select(Flag.created_at).where(Flag.created_at >= starts[0])):
        counts[min((created - starts[0]).days // 7, weeks - 1)] += 1
    return [{"week_start": start.date(), "flags": count}
            for start, count in zip(starts, counts, strict=True)]
