"""One member as a moderator sees them (``GET /mod/members/{handle}``): their asks with their
states, the flags against them and their content, the earlier moderation actions about them
(from the audit log), their trust level, and which actions this moderator may take on them.

Everything is bounded (the latest ``LATEST`` of each), so the view is one request's worth of
work however long the member has been around.
"""

from __future__ import annotations

from sqlalchemy import select

from exchange import policy
from exchange.asks.models import Ask
from exchange.members.models import Member
from exchange.moderation import audit, trust
from exchange.moderation.models import AuditEntry, Flag
from exchange.moderation.sanctions import member_or_404

LATEST = 50
VERBS = ("warn", "hide", "restore", "suspend", "reinstate")


def _person(member: Member | None) -> dict | None:
    if member is None:
        return None
    return {"handle": member.handle, "display_name": member.display_name}


def member_view(session, *, actor, handle: str) -> dict:
    policy.require(actor, "review")
    member = member_or_404(session, handle)
    asks = session.scalars(select(Ask).where(Ask.author_id == member.id)
                           .order_by(Ask.id.desc()).limit(LATEST))
    flags = list(session.scalars(select(Flag).where(Flag.author_id == member.id)
                                 .order_by(Flag.id.desc()).limit(LATEST)))
    entries = list(session.scalars(select(AuditEntry).where(audit.about_member(member.id))
                                   .order_by(AuditEntry.id.desc()).limit(LATEST)))
    people = {f.flagger_id for f in flags} | {e.actor_id for e in entries if e.actor_id}
    if people:  # one query; session.get below finds them in the identity map
        list(session.scalars(select(Member).where(Member.id.in_(people))))
    return {
        "member": {
            "handle": member.handle, "display_name": member.display_name, "role": member.role,
            "status": member.status, "suspended_until": member.suspended_until,
            "hidden": member.hidden, "created_at": member.created_at,
            "trust_level": trust.trust_level(session, member),
        },
        "may": [verb for verb in VERBS if policy.can(actor, verb, member)],
        "asks": [{"id": a.id, "title": a.title, "status": a.status, "hidden": a.hidden,
                  "created_at": a.created_at} for a in asks],
        "flags": [{"id": f.id, "target_type": f.target_type, "target_id": f.target_id,
                   "reason": f.reason, "note": f.note, "status": f.status, "weight": f.weight,
                   "flagger": _person(session.get(Member, f.flagger_id)),
                   "created_at": f.created_at} for f in flags],
        "actions": entries,
    }
