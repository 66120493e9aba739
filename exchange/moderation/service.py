"""Flagging: members report an ask, a message or a member; enough weight hides it for review.

Rules: reasons ``spam | harassment | unsafe | off_topic | other`` with an optional note
(≤ 500); one *open* flag per member per target (a partial UNIQUE index settles a double
submit: 409); a target the flagger can't see is 404; nobody flags themselves or their own
content (403); 20 flags a day each while rate limits are on.

Weight of a flag, fixed when it is made:

    weight = 1 + trust level of the flagger (0–3, ``moderation.trust``)
               + 1 if the flagger has a record of at least 3 upheld flags

When the summed weight of the open flags on a target reaches ``settings.auto_hide_flags``
(``EXCHANGE_AUTO_HIDE_FLAGS``, default 3 — three new members suffice) the target is hidden
pending review, its author gets a kind ``mod.warning``, and an ``auto_hide`` audit entry is
written by the system. Every new flag notifies each moderator and admin (``mod.flagged``) so
the review queue updates live.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from exchange import policy
from exchange.asks.service import tell_offered_closed
from exchange.clock import utcnow
from exchange.errors import Conflict, RateLimited
from exchange.members.models import Member
from exchange.members.service import require_active
from exchange.moderation import audit, targets, trust
from exchange.moderation.models import Flag
from exchange.notifications.service import notify

FLAGS_PER_DAY = 20
TRACK_RECORD = 3  # upheld flags that earn the +1 bonus
HIDDEN_NOTE = ("Some members flagged this, so it is hidden for now while a moderator takes a "
               "look. Nothing else changes for you, and we'll let you know what they decide.")


def upheld_count(session, member_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Flag).where(
        Flag.flagger_id == member_id, Flag.status == "upheld"))


def flag_weight(session, flagger) -> int:
    bonus = 1 if upheld_count(session, flagger.id) >= TRACK_RECORD else 0
    return 1 + trust.trust_level(session, flagger) + bonus


def open_weight(session, target_type: str, target_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(Flag.weight), 0)).where(
        Flag.target_type == target_type, Flag.target_id == target_id,
        Flag.status == "open")) or 0


def _check_rate(uow, actor) -> None:
    if uow.settings is not None and not uow.settings.rate_limits:
        return
    since = utcnow() - timedelta(days=1)
    today = uow.session.scalar(select(func.count()).select_from(Flag).where(
        Flag.flagger_id == actor.id, Flag.created_at > since))
    if today >= FLAGS_PER_DAY:
        raise RateLimited("Thank you for looking out — that's today's flags; the limit resets "
                          "within a day.", retry_after=3600, code="flags_per_day")


def _insert(uow, flag: Flag) -> None:
    try:
        with uow.session.begin_nested():
            uow.session.add(flag)
            uow.session.flush()
    except IntegrityError:
        raise Conflict("You've already flagged this; a moderator will look at it.",
                       code="already_flagged") from None


def flag(uow, *, actor, target_type: str, target_id: int, reason: str, note: str = "") -> Flag:
    require_active(actor)
    s = uow.session
    target, author = targets.access_target(s, actor=actor, target_type=target_type,
                                           target_id=target_id)
    policy.require(actor, "flag", author)
    _check_rate(uow, actor)
    row = Flag(target_type=target_type, target_id=target_id, flagger_id=actor.id,
               author_id=author.id, reason=reason, note=note or "",
               weight=flag_weight(s, actor), created_at=utcnow())
    _insert(uow, row)
    weight = open_weight(s, target_type, target_id)
    if weight >= _threshold(uow) and targets.set_hidden(target, True):
        row.hid_target = True
        _hidden_pending_review(uow, target_type, target_id, author)
        if target_type == "ask" and target.status == "open":
            tell_offered_closed(uow, target, "hidden")
    _tell_moderators(uow, target_type, target_id, weight, target.hidden, skip=author.id)
    uow.flush()
    return row


def _threshold(uow) -> int:
    return uow.settings.auto_hide_flags if uow.settings is not None else 3


def _hidden_pending_review(uow, target_type: str, target_id: int, author: Member) -> None:
    notify(uow, member_id=author.id, kind="mod.warning",
           data={"action": "hidden_pending_review", "target_type": target_type,
                 "target_id": target_id, "message": HIDDEN_NOTE})
    audit.record(uow, actor=None, action="auto_hide", target_type=target_type,
                 target_id=target_id, reason="flag weight reached the threshold",
                 data={"author_id": author.id})


def moderator_ids(session) -> list[int]:
    return list(session.scalars(select(Member.id).where(
        Member.role.in_(("moderator", "admin")), Member.status == "active")))


def _tell_moderators(uow, target_type, target_id, weight, hidden, *, skip: int) -> None:
    data = {"target_type": target_type, "target_id": target_id, "weight": weight,
            "hidden": hidden}
    for member_id in moderator_ids(uow.session):
        if member_id != skip:
            notify(uow, member_id=member_id, kind="mod.flagged", data=data)
