"""The community view: totals, two-way members, medians to first offer and match."""

from __future__ import annotations

from statistics import median

from sqlalchemy import case, func, select

from exchange.asks.models import Ask
from exchange.ledger.models import MemberTotals, Transfer
from exchange.members.models import Member
from exchange.offers.models import Offer


def community(session) -> dict:
    members = session.scalar(select(func.count()).select_from(Member).where(
        Member.status.in_(("active", "suspended"))))
    # A moderator's reversal takes its help back out, as it does from both members' totals
    # (helps_given, asks_received) and from the minutes below; each reversal undoes one help.
    helps = session.scalar(select(func.coalesce(func.sum(
        case((Transfer.kind == "help", 1), else_=-1)), 0)))
    minutes = session.scalar(select(func.coalesce(func.sum(MemberTotals.given_minutes), 0)))
    two_way = session.scalar(select(func.count()).select_from(MemberTotals).where(
        MemberTotals.given_minutes > 0, MemberTotals.received_minutes > 0))
    givers = session.scalar(select(func.count()).select_from(MemberTotals).where(
        MemberTotals.given_minutes > 0))
    open_asks = session.scalar(select(func.count()).select_from(Ask).where(
        Ask.status == "open", Ask.hidden.is_(False)))
    return {
        "members": members,
        "helps_confirmed": helps,
        "minutes_exchanged": int(minutes),
        "givers": givers,
        "two_way_members": two_way,
        "open_asks": open_asks,
        "median_seconds_to_first_offer": median_first_offer(session),
        "median_seconds_to_match": median_to_match(session),
    }


def median_to_match(session, sample: int = 1000) -> float | None:
    rows = session.execute(select(Ask.created_at, Ask.matched_at).where(
        Ask.matched_at.is_not(None)).order_by(Ask.id.desc()).limit(sample)).all()
    waits = [(m - c).total_seconds() for c, m in rows]
    return median(waits) if waits else None


def median_first_offer(session, sample: int = 1000) -> float | None:
    first = (select(Offer.ask_id, func.min(Offer.offered_at).label("first"))
             .group_by(Offer.ask_id).subquery())
    rows = session.execute(select(Ask.created_at, first.c.first)
                           .join(first, first.c.ask_id == Ask.id)
                           .order_by(Ask.id.desc()).limit(sample)).all()
    waits = [(offered - created).total_seconds() for created, offered in rows]
    return median(waits) if waits else None
