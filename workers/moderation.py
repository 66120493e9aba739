"""Moderation jobs: the automatic end of a suspension (``reinstate-{member}-{until}``)."""

from __future__ import annotations

from exchange.moderation import sanctions
from workers.runtime import runtime


def reinstate(member_id: int) -> bool:
    """Guarded and idempotent: a no-op unless the member is still suspended and it is time."""
    with runtime().unit_of_work() as uow:
        done = sanctions.reinstate_if_due(uow, member_id)
        uow.commit()
        return done
