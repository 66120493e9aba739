"""Operator-level member actions: create an admin, set a role.

These run from the console (``exchange admin create``, ``exchange demo``), where the operator
is trusted and there is no acting member. Role changes made by moderators through the API go
through moderation, which checks the actor and writes the audit log.
"""

from __future__ import annotations

from exchange.errors import Conflict, InvalidInput
from exchange.members.addresses import get_by_email
from exchange.members.models import ROLES, Member
from exchange.members.service import register


def set_role(uow, *, member: Member, role: str) -> Member:
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}.", fields={"role": [f"One of {ROLES}."]})
    member.role = role
    uow.flush()
    return member


def create_admin(uow, *, handle: str, email: str, password: str,
                 display_name: str | None = None) -> Member:
    """Register a member (same handle, email and password rules as anyone) and make them admin.

    The operator vouches for the address, so it starts verified and no link is sent; and the
    operator is told plainly when another account has it (the console reveals nothing to a
    stranger), where a registration through the API would not say."""
    if get_by_email(uow.session, email) is not None:
        raise Conflict("An account already uses that email.", code="email_taken",
                       fields={"email": ["An account already uses that email."]})
    member = register(uow, handle=handle, email=email, password=password,
                      display_name=display_name or handle.strip().lower(), verified=True)
    return set_role(uow, member=member, role="admin")
