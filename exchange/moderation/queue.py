"""The review queue: flags grouped by target, with the content and its author's history.

One item per target, oldest first by its first flag: ``target`` (the ask, message or member as
JSON), the summed ``weight`` of the listed flags, whether it is ``hidden``, the ``flags``
themselves, ``author_history`` (asks in the last 30 days, earlier upheld flags against them,
recent moderation actions on them) and who has a fresh claim on it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from exchange import policy
from exchange.asks.models import Ask
from exchange.clock import utcnow
from exchange.members.models import Member
from exchange.moderation import targets
from exchange.moderation.actions import CLAIM_FOR
from exchange.moderation.models import AuditEntry, Flag

RECENT = timedelta(days=30)


def _person(member: Member | None) -> dict | None:
    if member is None:
        return None
    return {"handle": member.handle, "display_name": member.display_name}


def author_history(session, author_id: int, *, exclude: list[int]) -> dict:
    asks = session.scalar(select(func.count()).select_from(Ask).where(
        Ask.author_id == author_id, Ask.created_at > utcnow() - RECENT))
    upheld = session.scalar(select(func.count()).select_from(Flag).where(
        Flag.author_id == author_id, Flag.status == "upheld", Flag.id.not_in(exclude)))
    actions = session.scalars(select(AuditEntry).where(
        AuditEntry.target_type == "member", AuditEntry.target_id == author_id)
        .order_by(AuditEntry.id.desc()).limit(10))
    return {"recent_asks": asks, "upheld_flags": upheld,
            "actions": [{"action": a.action, "reason": a.reason,
                         "created_at": a.created_at.isoformat()} for a in actions]}


def _claim(session, flags: list[Flag]) -> dict | None:
    fresh = utcnow() - CLAIM_FOR
    for f in flags:
        if f.claimed_by_id is not None and f.claimed_at > fresh:
            return _person(session.get(Member, f.claimed_by_id))
    return None


def _item(session, key, flags: list[Flag]) -> dict:
    target_type, target_id = key
    target = targets.load(session, target_type, target_id)
    return {
        "target_type": target_type, "target_id": target_id,
        "target": targets.as_json(target_type, target),
        "weight": sum(f.weight for f in flags),
        "hidden": bool(target is not None and target.hidden),
        "flags": [{"id": f.id, "reason": f.reason, "note": f.note, "weight": f.weight,
                   "flagger": _person(session.get(Member, f.flagger_id)),
                   "created_at": f.created_at} for f in flags],
        "author_history": author_history(session, flags[0].author_id,
                                         exclude=[f.id for f in flags]),
        "claimed_by": _claim(session, flags),
    }


def review_queue(session, *, actor, status: str = "open", limit: int = 200) -> list[dict]:
    policy.require(actor, "review")
    rows = session.scalars(select(Flag).where(Flag.status == status)
                           .order_by(Flag.id).limit(limit))
    groups: dict[tuple[str, int], list[Flag]] = {}
    people: set[int] = set()
    for row in rows:
        groups.setdefault((row.target_type, row.target_id), []).append(row)
        people.update(i for i in (row.flagger_id, row.claimed_by_id) if i is not None)
    if people:  # one query; the session.get calls below then find them in the identity map
        list(session.scalars(select(Member).where(Member.id.in_(people))))
    return [_item(session, key, flags) for key, flags in groups.items()]
