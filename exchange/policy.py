"""The one access policy: ``can(actor, action, target)``.

A kernel module, below every feature: asks, members and conversations ask it who may see what
is hidden, moderation asks it who may act on whom, and the web layer asks it what to show.
``require`` raises 403 with a reason code.
``target`` is the member the action lands on — for content, its author — or a ``RoleChange``.

- Reviewing (the queue, claims, the audit log, community health) is for moderators and
  admins, and so is seeing what is hidden from members (hidden asks, messages and members,
  the blocks between others), reading any ask's conversation, and who is online.
- Acting on a member (hide/restore/dismiss their content, warn, suspend, reinstate, ban,
  reverse a transfer they are part of): moderators on plain members; admins on members and
  moderators; nobody on themselves; nobody on an admin (demote them first).
- Changing a role is admin-only. An admin may step down, but the last admin can't be demoted.
- Flagging is for any member, never on themselves.
- Leaving (deleting one's own account) is for everyone but the last admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange.errors import Forbidden

REVIEW = frozenset({"review", "see_hidden", "read_conversation", "see_presence"})
SANCTIONS = frozenset({"hide", "restore", "dismiss", "warn", "suspend", "reinstate", "ban",
                       "reverse"})


@dataclass(frozen=True)
class RoleChange:
    member: object
    role: str
    admins: int  # how many admins there are now, the target included


def _acts_on(actor, member) -> bool:
    if member is None:
        return actor.is_moderator
    if member.id == actor.id or member.role == "admin":
        return False
    if member.role == "moderator":
        return actor.role == "admin"
    return actor.is_moderator


def _role_change(actor, change: RoleChange) -> bool:
    if actor.role != "admin":
        return False
    demoting_an_admin = change.member.role == "admin" and change.role != "admin"
    return not (demoting_an_admin and change.admins <= 1)


def can(actor, action: str, target=None) -> bool:
    if actor is None:
        return False
    if action == "flag":
        return target is None or target.id != actor.id
    if action in REVIEW:
        return actor.is_moderator
    if action in SANCTIONS:
        return _acts_on(actor, target)
    if action == "set_role":
        return _role_change(actor, target)
    if action == "leave":  # target: a RoleChange of the actor to "deleted"
        return _role_change(actor, target) if actor.role == "admin" else True
    return False


def why_not(actor, action: str, target=None) -> tuple[str, str]:
    """A kind message and a stable code for a refusal."""
    if action == "flag":
        return "You can't flag yourself.", "flag_self"
    if action == "leave":
        return ("The exchange needs at least one admin: make someone else an admin before you "
                "go.", "last_admin")
    if not actor.is_moderator:
        return "This is for moderators.", "not_moderator"
    if action == "set_role":
        if actor.role != "admin":
            return "Only an admin can change roles.", "admin_only"
        return "The exchange needs at least one admin.", "last_admin"
    member = target
    if member is not None and member.id == actor.id:
        return "Another moderator needs to handle this one.", "self"
    if member is not None and member.role == "admin":
        return "Admins can't be moderated; an admin can change their role first.", "target_admin"
    return "Only an admin can act on a moderator.", "target_moderator"


def require(actor, action: str, target=None) -> None:
    if not can(actor, action, target):
        message, code = why_not(actor, action, target)
        raise Forbidden(message, code=code)
