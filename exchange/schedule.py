"""Rebuild the scheduled follow-ups from the database, for a Redis that forgot them.

Each follow-up is planned in Redis when its event is dispatched (``exchange.handlers``): an open
ask's next wave ``wave_seconds`` after the last and its expiry, a delivered ask's auto-confirm,
the reminders a transition calls for, a suspension's end. The database holds everything they
are derived from, Redis only the plan. A Redis that comes back empty (restarted without its
append-only file, replaced, flushed) has lost the plan, and nothing else would make it again:
the second wave of an ask posted before would never come, its reminders never be sent.

``rebuild`` plans them all again from the rows, under the same deterministic job ids and at the
same moments (what is already due runs now). On a Redis that still has them it changes nothing:
RQ's unique enqueue refuses the duplicate. Each job guards itself when it runs, so a follow-up
rebuilt for an ask that moved on since does nothing. The worker runs it at start and whenever
Redis answers again without the mark a rebuild leaves (``workers.recovery``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from exchange.asks.models import Ask
from exchange.clock import utcnow
from exchange.handlers import AUTO_CONFIRM, EXPIRE, MATCH, REINSTATE, match_id
from exchange.matching.models import MatchWave
from exchange.members.models import Member
from exchange.ports import JobQueue
from exchange.reminders import occasions

# Reminders of a confirmed ask run up to a week after it (``occasions.FOLLOW_UP_AFTER``).
REMINDERS_AFTER_CONFIRM = occasions.FOLLOW_UP_AFTER + timedelta(days=1)


def rebuild(session, jobs: JobQueue, settings) -> dict[str, int]:
    """Plan every follow-up the database calls for; how many of each were (re)planned."""
    now = utcnow()
    return {"waves": _waves(session, jobs, settings, now), "expiry": _expiry(session, jobs, now),
            "auto_confirm": _auto_confirm(session, jobs, now),
            "reminders": _reminders(session, jobs, now),
            "reinstatement": _reinstatement(session, jobs, now)}


def _at(jobs: JobQueue, when: datetime, now: datetime, func_name: str, *args, job_id: str,
        queue: str) -> None:
    if when <= now:
        jobs.enqueue(func_name, *args, job_id=job_id, queue=queue)
    else:
        jobs.enqueue_at(when, func_name, *args, job_id=job_id, queue=queue)


def _open(session):
    return session.scalars(select(Ask).where(Ask.status == "open", Ask.hidden.is_(False))
                           .order_by(Ask.id))


def _waves(session, jobs: JobQueue, settings, now: datetime) -> int:
    """An open ask's next wave of its current round: ``wave_seconds`` after the last one, or
    the first now (its ``AskPosted`` job was lost too). After ``max_waves`` waves comes one
    more run, which widens the ask; after that, none."""
    last = (select(MatchWave.ask_id, func.max(MatchWave.wave).label("wave"),
                   func.max(MatchWave.ran_at).label("ran_at"))
            .join(Ask, (Ask.id == MatchWave.ask_id) & (Ask.match_round == MatchWave.round))
            .where(Ask.status == "open").group_by(MatchWave.ask_id).subquery())
    rows = session.execute(
        select(Ask.id, Ask.match_round, last.c.wave, last.c.ran_at)
        .outerjoin(last, last.c.ask_id == Ask.id)
        .where(Ask.status == "open", Ask.hidden.is_(False)).order_by(Ask.id))
    planned = 0
    for ask_id, round_, wave, ran_at in rows:
        if wave is not None and wave > settings.max_waves:
            continue
        next_wave = 1 if wave is None else wave + 1
        when = now if ran_at is None else _aware(ran_at) + timedelta(seconds=settings.wave_seconds)
        _at(jobs, when, now, MATCH, ask_id, round_, next_wave,
            job_id=match_id(ask_id, round_, next_wave), queue="matching")
        planned += 1
    return planned


def _aware(moment: datetime) -> datetime:
    """``func.max`` over a UTC column comes back as the driver gives it (naive on SQLite)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _expiry(session, jobs: JobQueue, now: datetime) -> int:
    count = 0
    for ask in _open(session):
        _at(jobs, ask.expires_at, now, EXPIRE, ask.id, job_id=f"expire-{ask.id}",
            queue="housekeeping")
        count += 1
    return count


def _auto_confirm(session, jobs: JobQueue, now: datetime) -> int:
    count = 0
    for ask in session.scalars(select(Ask).where(Ask.status == "delivered").order_by(Ask.id)):
        _at(jobs, ask.auto_confirms_at, now, AUTO_CONFIRM, ask.id,
            job_id=f"autoconfirm-{ask.id}", queue="housekeeping")
        count += 1
    return count


def _reminders(session, jobs: JobQueue, now: datetime) -> int:
    """What each in-progress ask's last transition planned (``occasions.plan``: one job per
    recipient and occasion, sent once however often it runs)."""
    asks = session.scalars(select(Ask).where(
        (Ask.status == "matched") & (Ask.window_start > now)
        | (Ask.status == "delivered")
        | (Ask.status == "confirmed") & (Ask.closed_at > now - REMINDERS_AFTER_CONFIRM))
        .order_by(Ask.id))
    count = 0
    for ask in list(asks):
        at = {"matched": ask.matched_at, "delivered": ask.delivered_at,
              "confirmed": ask.closed_at}[ask.status]
        count += occasions.plan(session, jobs, ask_id=ask.id, status=ask.status,
                                at=at.isoformat() if at else None)
    return count


def _reinstatement(session, jobs: JobQueue, now: datetime) -> int:
    count = 0
    for member in session.scalars(select(Member).where(
            Member.status == "suspended", Member.suspended_until.is_not(None))
            .order_by(Member.id)):
        until = member.suspended_until
        _at(jobs, until, now, REINSTATE, member.id, queue="housekeeping",
            job_id=f"reinstate-{member.id}-{int(until.timestamp())}")
        count += 1
    return count
