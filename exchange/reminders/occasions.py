"""Reminders and nudges: when each is due, who gets it, and what it says.

Each reminder is one ``remind`` job per recipient, due at a time computed from the ask, sent
once (``SentReminder``), only while the ask is still in a state where it makes sense, and never
during the recipient's quiet hours — then it returns the time quiet hours end so the job can
be put off until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select

from exchange.asks.models import Ask, Thanks
from exchange.asks.schemas import dump_ask
from exchange.clock import utcnow
from exchange.ledger.models import MemberTotals
from exchange.members.models import Member
from exchange.members.timeutil import in_quiet_hours, quiet_ends_at
from exchange.reminders.service import send_once

CONFIRM_AFTER = timedelta(hours=24)
FOLLOW_UP_AFTER = timedelta(days=7)
NUDGE_EVERY = timedelta(days=14)


@dataclass(frozen=True)
class Occasion:
    key: str
    recipients: tuple[str, ...]   # "author", "helper"
    states: frozenset[str]
    message: str


OCCASIONS = {o.key: o for o in (
    Occasion("window-24h", ("author", "helper"), frozenset({"matched"}),
             "Tomorrow's the day for this one — a quick hello in the conversation can help."),
    Occasion("window-1h", ("author", "helper"), frozenset({"matched"}),
             "This starts in about an hour."),
    Occasion("confirm", ("author",), frozenset({"delivered"}),
             "Your helper marked this as done. If it went well, confirming records their "
             "minutes — and you can say thanks."),
    Occasion("thanks", ("author",), frozenset({"confirmed"}),
             "A few words of thanks go a long way — your helper will see them."),
    Occasion("followup", ("author",), frozenset({"confirmed"}),
             "A week on: did the help make a difference? A line about the impact means a lot "
             "to the person who gave their time."),
)}


def due_times(ask: Ask, status: str, at: datetime) -> dict[str, datetime]:
    """The reminders a transition to ``status`` at ``at`` schedules, by key."""
    if status == "matched" and ask.window_start:
        times = {"window-24h": ask.window_start - timedelta(hours=24),
                 "window-1h": ask.window_start - timedelta(hours=1)}
        return {k: t for k, t in times.items() if t > at}
    if status == "delivered":
        return {"confirm": at + CONFIRM_AFTER}
    if status == "confirmed":
        return {"thanks": at, "followup": at + FOLLOW_UP_AFTER}
    return {}


def recipients(ask: Ask, key: str) -> list[int]:
    who = {"author": ask.author_id, "helper": ask.helper_id}
    return [who[r] for r in OCCASIONS[key].recipients if who[r] is not None]


def _still_relevant(session, ask: Ask, key: str) -> bool:
    if ask.status not in OCCASIONS[key].states:
        return False
    thanks = session.scalar(select(Thanks).where(Thanks.ask_id == ask.id))
    if key == "thanks":
        return thanks is None
    if key == "followup":
        return thanks is None or not thanks.impact
    return True


def remind(uow, *, ask_id: int, member_id: int, key: str) -> datetime | None:
    """Send reminder ``key`` about an ask to one member, once; a datetime means "try then"."""
    s, now = uow.session, utcnow()
    ask, member = s.get(Ask, ask_id), s.get(Member, member_id)
    if ask is None or member is None or member.status != "active" or key not in OCCASIONS:
        return None
    if member_id not in recipients(ask, key) or not _still_relevant(s, ask, key):
        return None
    if in_quiet_hours(member.quiet_start, member.quiet_end, member.timezone, now):
        return quiet_ends_at(member.quiet_start, member.quiet_end, member.timezone, now)
    send_once(uow, member_id=member_id, ask_id=ask.id, key=key, kind="reminder",
              data={"reminder": key, "ask": dump_ask(ask), "message": OCCASIONS[key].message})
    return None


def nudge_generous_members(uow, *, limit: int = 200) -> int:
    """"Try a small ask": for members who gave three or more times and never asked."""
    s, now = uow.session, utcnow()
    never_asked = ~exists().where(Ask.author_id == Member.id)
    rows = s.scalars(select(Member).join(MemberTotals, MemberTotals.member_id == Member.id)
                     .where(Member.status == "active", MemberTotals.helps_given >= 3, never_asked)
                     .order_by(Member.id).limit(limit))
    sent = 0
    for member in rows:
        if in_quiet_hours(member.quiet_start, member.quiet_end, member.timezone, now):
            continue
        sent += send_once(uow, member_id=member.id, key="try-small-ask", kind="nudge",
                          every=NUDGE_EVERY, data={
                              "nudge": "try_small_ask",
                              "message": "You've given a lot of time here — thank you. Asking "
                                         "is part of it too: is there something small you "
                                         "could use a hand with?"})
    return sent


REMIND = "workers.reminders.remind"


def plan(session, jobs, *, ask_id: int, status: str, at: str | None) -> int:
    """Schedule the reminders a transition calls for (one job per recipient and occasion)."""
    ask = session.get(Ask, ask_id)
    if ask is None or ask.status != status:
        return 0  # moved on since: the next transition plans its own
    moment = datetime.fromisoformat(at) if at else utcnow()
    count = 0
    for key, when in due_times(ask, status, moment).items():
        for member_id in recipients(ask, key):
            job_id = f"remind-{ask.id}-{key}-{member_id}"
            if when <= utcnow():
                jobs.enqueue(REMIND, ask.id, member_id, key, job_id=job_id, queue="reminders")
            else:
                jobs.enqueue_at(when, REMIND, ask.id, member_id, key, job_id=job_id,
                                queue="reminders")
            count += 1
    return count
