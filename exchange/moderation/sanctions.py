"""Actions on members: warn, suspend, ban, reinstate, change a role, reverse a transfer.

Each public verb checks ``policy.require`` and writes one audit entry. The ``apply_*``
helpers carry the effects alone, so resolving a flag (``moderation.actions``) reuses them
under its own single audit entry.

Suspension: ``status='suspended'`` until ``suspended_until``; every write is refused (403,
``members.service.require_active``), reading own data still works; the member's open asks are
hidden (remembered in ``SuspensionHide``); their sockets are dropped and a reinstatement job is
scheduled (``MemberSuspended``). Reinstating — by a moderator, by that job, or by the
housekeeping sweep for overdue suspensions — unhides exactly the asks the suspension hid.
A ban is a suspension without end: the member can no longer sign in.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update

from exchange import policy
from exchange.asks.models import Ask
from exchange.asks.service import tell_offered_closed
from exchange.clock import utcnow
from exchange.errors import Conflict, NotFound
from exchange.events import MemberSuspended
from exchange.ledger import service as ledger
from exchange.ledger.models import Transfer
from exchange.members import service as members
from exchange.members.models import Member
from exchange.moderation import audit
from exchange.moderation.models import SuspensionHide
from exchange.notifications.service import notify

WARNING_NOTE = ("A moderator asked us to pass this on: please keep the community guidelines "
                "in mind. Thank you for helping keep the exchange kind.")
SUSPENDED_NOTE = ("Your account is paused for a while: you can still read your own things, "
                  "and everything opens up again on its own when the pause ends.")


def member_or_404(session, handle: str) -> Member:
    member = members.get_by_handle(session, handle)
    if member is None or member.status == "deleted":
        raise NotFound("No member with that handle.")
    return member


def apply_warning(uow, member: Member, reason: str, target: dict | None = None) -> None:
    notify(uow, member_id=member.id, kind="mod.warning",
           data={"action": "warned", "message": WARNING_NOTE, "reason": reason,
                 **(target or {})})


def _hide_open_asks(uow, member: Member) -> list[int]:
    s = uow.session
    ids = list(s.scalars(select(Ask.id).where(Ask.author_id == member.id, Ask.status == "open",
                                              Ask.hidden.is_(False))))
    if ids:
        s.execute(update(Ask).where(Ask.id.in_(ids)).values(hidden=True)
                  .execution_options(synchronize_session="fetch"))
        s.add_all(SuspensionHide(ask_id=i, member_id=member.id) for i in ids)
        for ask_id in ids:  # helpers offered these asks see them close on their pages
            tell_offered_closed(uow, s.get(Ask, ask_id), "hidden")
    return ids


def apply_suspension(uow, member: Member, days: int, reason: str) -> dict:
    until = utcnow() + timedelta(days=days)
    member.status, member.suspended_until = "suspended", until
    hidden = _hide_open_asks(uow, member)
    notify(uow, member_id=member.id, kind="account.suspended",
           data={"until": until.isoformat(), "reason": reason, "message": SUSPENDED_NOTE})
    uow.emit(MemberSuspended(member_id=member.id, until=until.isoformat()))
    uow.flush()
    return {"days": days, "until": until.isoformat(), "hidden_asks": hidden}


def apply_ban(uow, member: Member) -> dict:
    member.status, member.suspended_until = "banned", None
    hidden = _hide_open_asks(uow, member)
    uow.emit(MemberSuspended(member_id=member.id, until=None))
    uow.flush()
    return {"hidden_asks": hidden}


def apply_reinstatement(uow, member: Member) -> dict:
    s = uow.session
    ids = list(s.scalars(select(SuspensionHide.ask_id).where(
        SuspensionHide.member_id == member.id)))
    if ids:
        s.execute(update(Ask).where(Ask.id.in_(ids)).values(hidden=False)
                  .execution_options(synchronize_session="fetch"))
        s.execute(delete(SuspensionHide).where(SuspensionHide.member_id == member.id))
    member.status, member.suspended_until = "active", None
    uow.flush()
    return {"unhidden_asks": ids}


def _act(uow, actor, action: str, member: Member) -> None:
    members.require_active(actor)
    policy.require(actor, action, member)


def _log(uow, actor, action, member, reason, data=None) -> None:
    audit.record(uow, actor=actor, action=action, target_type="member", target_id=member.id,
                 reason=reason, data=data)


def warn(uow, *, actor, handle: str, reason: str) -> Member:
    """A word from a moderator: the member gets ``mod.warning`` with the reason."""
    member = member_or_404(uow.session, handle)
    _act(uow, actor, "warn", member)
    apply_warning(uow, member, reason)
    _log(uow, actor, "warn", member, reason)
    return member


def suspend(uow, *, actor, handle: str, days: int, reason: str) -> Member:
    member = member_or_404(uow.session, handle)
    _act(uow, actor, "suspend", member)
    if member.status == "banned":
        raise Conflict("That member is banned.", code="banned")
    _log(uow, actor, "suspend", member, reason, apply_suspension(uow, member, days, reason))
    return member


def reinstate(uow, *, actor, handle: str, reason: str) -> Member:
    member = member_or_404(uow.session, handle)
    _act(uow, actor, "reinstate", member)
    if member.status not in ("suspended", "banned"):
        raise Conflict("That member is not suspended.", code="not_suspended")
    _log(uow, actor, "reinstate", member, reason, apply_reinstatement(uow, member))
    return member


def reinstate_if_due(uow, member_id: int) -> bool:
    """The automatic end of a suspension (job or sweep): idempotent, guarded on the time."""
    member = uow.session.get(Member, member_id)
    if member is None or member.status != "suspended":
        return False
    if member.suspended_until is not None and member.suspended_until > utcnow():
        return False
    _log(uow, None, "reinstate", member, "suspension ended", apply_reinstatement(uow, member))
    return True


def overdue_suspension_ids(session) -> list[int]:
    return list(session.scalars(select(Member.id).where(
        Member.status == "suspended", Member.suspended_until <= utcnow())))


def admin_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Member).where(
        Member.role == "admin", Member.status != "deleted"))


def set_role(uow, *, actor, handle: str, role: str, reason: str = "") -> Member:
    members.require_active(actor)
    member = member_or_404(uow.session, handle)
    change = policy.RoleChange(member=member, role=role, admins=admin_count(uow.session))
    policy.require(actor, "set_role", change)
    before = member.role
    member.role = role
    uow.flush()
    _log(uow, actor, "set_role", member, reason, {"from": before, "to": role})
    return member


def reverse_transfer(uow, *, actor, transfer_id: int, reason: str) -> Transfer:
    members.require_active(actor)
    s = uow.session
    original = s.get(Transfer, transfer_id)
    if original is None:
        raise NotFound("No such transfer.")
    for party in (original.from_member_id, original.to_member_id):
        policy.require(actor, "reverse", s.get(Member, party))
    reversal = ledger.reverse_transfer(uow, actor=actor, transfer_id=transfer_id, reason=reason)
    audit.record(uow, actor=actor, action="reverse_transfer", target_type="transfer",
                 target_id=original.id, reason=reason, data={"reversal_id": reversal.id})
    return reversal
