"""An honest expectation while an ask is being written, from the community's own figures.

For each tag of the draft: how many members list it as a skill (active and open to helping),
and how long recent asks with that tag took to find someone (the median from posting to the
first accept, ``matched_at``, over the last ``RECENT`` days). Too few recent matches
(``MIN_SAMPLE``) and no duration is given at all: the line then says only what is known. A tag
nobody lists gets the truth about matching (an ask goes to members with one of its tags; an
untagged ask to everyone who helps). An untagged draft gets the same figures for the whole
community. Nothing here is invented or rounded into something it isn't.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import distinct, func, select

from exchange.asks.models import Ask, AskTag
from exchange.members.models import Member, MemberSkill

RECENT = timedelta(days=90)
MIN_SAMPLE = 3  # fewer matched asks than this and no duration is said
SAMPLE = 200  # the most recent matched asks a median is taken over


@dataclass(frozen=True)
class Outlook:
    tag: str | None  # None: the whole community (an untagged draft)
    helpers: int
    recent_matches: int
    median_minutes: float | None  # None when recent_matches < MIN_SAMPLE
    message: str


def _helpers(session, tag: str | None, asker_id: int | None) -> int:
    open_to_help = (Member.status == "active", Member.helping.is_(True),
                    Member.id != (asker_id or 0))
    if tag is None:
        return session.scalar(select(func.count()).select_from(Member).where(*open_to_help))
    return session.scalar(
        select(func.count(distinct(MemberSkill.member_id)))
        .join(Member, Member.id == MemberSkill.member_id)
        .where(MemberSkill.tag == tag, *open_to_help))


def _waits(session, tag: str | None, now: datetime) -> list[float]:
    query = select(Ask.created_at, Ask.matched_at).where(
        Ask.matched_at.is_not(None), Ask.created_at >= now - RECENT)
    if tag is not None:
        query = query.join(AskTag, AskTag.ask_id == Ask.id).where(AskTag.tag == tag)
    rows = session.execute(query.order_by(Ask.id.desc()).limit(SAMPLE)).all()
    return [max((matched - created).total_seconds() / 60, 0.0) for created, matched in rows]


def about(minutes: float) -> str:
    """A duration as a person says it: "about 20 minutes", "about 3 hours"."""
    if minutes < 1.5:
        return "about a minute"
    if minutes < 55:
        return f"about {round(minutes)} minutes"
    hours = minutes / 60
    if hours < 1.5:
        return "about an hour"
    if hours < 36:
        return f"about {round(hours)} hours"
    return f"about {round(hours / 24)} days"


def _members(n: int) -> str:
    return "1 member" if n == 1 else f"{n} members"


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def _message(tag: str | None, helpers: int, median_minutes: float | None) -> str:
    if tag is None:
        if helpers == 0:
            return ("Nobody has offered to help yet. Your ask stays open, and the first people "
                    "who join as helpers will see it.")
        if median_minutes is None:
            return f"{_members(helpers)} {_are(helpers)} open to helping with an untagged ask."
        return (f"Asks here usually find someone in {about(median_minutes)} — "
                f"{_members(helpers)} {_are(helpers)} open to helping.")
    if helpers == 0:
        return (f"Nobody lists {tag} yet. Your ask can still go out: without that tag it "
                "reaches everyone who helps.")
    who = f"{_members(helpers)} help{'s' if helpers == 1 else ''} with it"
    if median_minutes is None:
        return (f"{_members(helpers).capitalize()} help{'s' if helpers == 1 else ''} with "
                f"{tag}. There are too few recent asks to say how long it usually takes.")
    return f"Asks tagged {tag} usually find someone in {about(median_minutes)} — {who}."


def outlook(session, tags, *, now: datetime, asker_id: int | None = None) -> list[Outlook]:
    """One line per tag of the draft (in the order given), or one for the whole community;
    the asker is not counted among the helpers."""
    lines = []
    for tag in list(dict.fromkeys(tags)) or [None]:
        helpers = _helpers(session, tag, asker_id)
        waits = _waits(session, tag, now)
        middle = median(waits) if len(waits) >= MIN_SAMPLE else None
        lines.append(Outlook(tag, helpers, len(waits), middle, _message(tag, helpers, middle)))
    return lines
