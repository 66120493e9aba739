"""Whether a notification may leave by email or push now, later, or not at all.

The same questions for both channels, asked when the job runs (not when the notification was
stored — a member may have read it, switched the channel off or verified their address since):
is the member still there, is this kind on for the channel, has the notification been seen,
and is it their quiet hours. The notices a member must see (``preferences.ALWAYS``) go to a
suspended or banned member too and ignore the channel choices, but still wait out quiet hours:
they are not urgent enough to wake anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.asks.models import Ask
from exchange.members.models import Member
from exchange.members.timeutil import in_quiet_hours, quiet_ends_at
from exchange.notifications import preferences
from exchange.notifications.models import Notification


@dataclass(frozen=True)
class Later:
    """Not now: try again at ``at`` (quiet hours end, or the live delay has passed)."""

    at: datetime
    why: str


def skip_reason(session, member: Member | None, note: Notification, channel: str) -> str | None:
    """Why this notification must not go by ``channel`` ("email" or "push"), or None."""
    if member is None or member.status == "deleted":
        return "the member is gone"
    must_see = note.kind in preferences.ALWAYS
    if member.status in ("suspended", "banned") and not must_see:
        return f"the member is {member.status}"
    if not getattr(preferences.effective(session, member.id, note.kind), channel):
        return f"{channel} is off for {note.kind}"
    if note.read_at is not None:
        return "seen on the site"
    return None


def quiet_until(member: Member, now: datetime) -> Later | None:
    if in_quiet_hours(member.quiet_start, member.quiet_end, member.timezone, now):
        return Later(quiet_ends_at(member.quiet_start, member.quiet_end, member.timezone, now),
                     "quiet hours")
    return None


def stale_offer(session, note: Notification) -> str | None:
    """An offer of an ask that no longer needs a helper (taken, closed, hidden): sending it
    would only disappoint."""
    if note.kind != "ask.offered" or note.ask_id is None:
        return None
    ask = session.get(Ask, note.ask_id)
    if ask is None or ask.status != "open" or ask.hidden:
        return "the ask no longer needs a helper"
    return None
