"""Reviewing flags: claim a target, resolve all its open flags with one action; hide/restore.

``resolve`` takes any open flag on a target and resolves every open flag on that target in one
conditional UPDATE (``WHERE status = 'open'``), so two moderators racing get one winner and a
409. A claim by another moderator younger than ``CLAIM_FOR`` also refuses with 409.

- dismiss: flags dismissed; a target the flags had auto-hidden is shown again.
- hide: the target is hidden (the author of a hidden ask is told, with the moderator's reason:
  ``ask.hidden``); warn: the author gets ``mod.warning``; suspend N days; ban.
  Each of these upholds the flags (a flagger's upheld record earns weight, see ``service``).
One audit entry per resolution, naming the action and the flags it closed.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from exchange import policy
from exchange.asks.models import Ask
from exchange.asks.schemas import dump_ask
from exchange.asks.service import get_ask_or_raise, tell_offered_closed
from exchange.clock import utcnow
from exchange.errors import Conflict, InvalidInput, NotFound
from exchange.members.models import Member
from exchange.members.service import require_active
from exchange.moderation import audit, sanctions, targets
from exchange.moderation.models import Flag
from exchange.notifications.service import notify

CLAIM_FOR = timedelta(minutes=15)
ACTIONS = ("dismiss", "hide", "warn", "suspend", "ban")


def _open_flag(session, flag_id: int) -> Flag:
    flag = session.get(Flag, flag_id)
    if flag is None:
        raise NotFound("No such flag.")
    if flag.status != "open":
        raise Conflict("Those flags were already resolved.", code="already_resolved")
    return flag


def _open_on_target(session, flag: Flag) -> list[Flag]:
    return list(session.scalars(select(Flag).where(
        Flag.target_type == flag.target_type, Flag.target_id == flag.target_id,
        Flag.status == "open").order_by(Flag.id)))


def _claimed_by_other(flags: list[Flag], actor) -> bool:
    fresh = utcnow() - CLAIM_FOR
    return any(f.claimed_by_id not in (None, actor.id) and f.claimed_at > fresh for f in flags)


def claim(uow, *, actor, flag_id: int) -> Flag:
    require_active(actor)
    policy.require(actor, "review")
    flag = _open_flag(uow.session, flag_id)
    flags = _open_on_target(uow.session, flag)
    if _claimed_by_other(flags, actor):
        raise Conflict("Another moderator is looking at this one.", code="claimed")
    now = utcnow()
    for row in flags:
        row.claimed_by_id, row.claimed_at = actor.id, now
    uow.flush()
    return flag


def _close(uow, flag: Flag, actor, status: str) -> list[int]:
    s = uow.session
    ids = [f.id for f in _open_on_target(s, flag)]
    result = s.execute(update(Flag).where(Flag.id.in_(ids), Flag.status == "open")
                       .values(status=status, resolved_by_id=actor.id, resolved_at=utcnow())
                       .execution_options(synchronize_session="fetch"))
    if result.rowcount != len(ids):
        raise Conflict("Another moderator resolved these flags first.", code="already_resolved")
    return ids


def _effect(uow, action, flag, target, author, reason, days) -> dict:
    had_hidden = any(f.hid_target for f in _open_on_target(uow.session, flag))
    if action == "dismiss":
        return {"restored": had_hidden and targets.set_hidden(target, False)}
    if action == "hide":
        hidden = targets.set_hidden(target, True)
        if hidden and isinstance(target, Ask):
            tell_hidden(uow, target, reason)
        return {"hidden": hidden}
    if action == "warn":
        sanctions.apply_warning(uow, author, reason, {"target_type": flag.target_type,
                                                      "target_id": flag.target_id})
        return {}
    if action == "suspend":
        return sanctions.apply_suspension(uow, author, days, reason)
    return sanctions.apply_ban(uow, author)


def resolve(uow, *, actor, flag_id: int, action: str, reason: str,
            days: int | None = None) -> list[int]:
    require_active(actor)
    s = uow.session
    flag = _open_flag(s, flag_id)
    author = s.get(Member, flag.author_id)
    policy.require(actor, action, author)
    if _claimed_by_other(_open_on_target(s, flag), actor):
        raise Conflict("Another moderator is looking at this one.", code="claimed")
    if action == "suspend" and days is None:
        raise InvalidInput("Say for how many days.", fields={"days": ["Required to suspend."]})
    target = targets.load(s, flag.target_type, flag.target_id)
    data = _effect(uow, action, flag, target, author, reason, days)
    ids = _close(uow, flag, actor, "dismissed" if action == "dismiss" else "upheld")
    audit.record(uow, actor=actor, action=action, target_type=flag.target_type,
                 target_id=flag.target_id, reason=reason,
                 data={"flag_ids": ids, "author_id": author.id, **data})
    return ids


def set_ask_hidden(uow, *, actor, ask_id: int, hidden: bool, reason: str = ""):
    require_active(actor)
    ask = get_ask_or_raise(uow.session, ask_id)
    action = "hide" if hidden else "restore"
    policy.require(actor, action, ask.author)
    changed = targets.set_hidden(ask, hidden)
    uow.flush()
    if changed and hidden:
        tell_hidden(uow, ask, reason)
    audit.record(uow, actor=actor, action=action, target_type="ask", target_id=ask.id,
                 reason=reason, data={"author_id": ask.author_id, "changed": changed})
    return ask


def tell_hidden(uow, ask: Ask, reason: str) -> None:
    """A moderator hid an ask: its author hears why, and the helpers still holding an offer of
    it (an open ask) hear it closed, so their pages stop offering it."""
    tell_author_hidden(uow, ask, reason)
    if ask.status == "open":
        tell_offered_closed(uow, ask, "hidden")


def tell_author_hidden(uow, ask: Ask, reason: str) -> None:
    """The author learns their ask was hidden, and why — never left wondering."""
    notify(uow, member_id=ask.author_id, kind="ask.hidden", data={
        "ask": dump_ask(ask), "reason": reason,
        "message": "A moderator has hidden your ask from other members for now; their reason "
                   "is below. You're welcome to post it again with changes — asking is "
                   "always fine."})
