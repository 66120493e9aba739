"""The digest: a daily or weekly email of open asks a member could help with (Discourse's
summary mail), only for members who chose it and only for a period they were not on the site.

``due`` lists who is due, cheaply, for the sweep: the digest chosen, active, a verified
address, nothing sent for a whole period and not seen on the site for one either. Each due
member gets a ``digest-{member}-{period}`` job (``claim_digest`` then ``send_claimed``),
which re-checks, waits for the member's morning (never before 08:00 their time, never in quiet
hours) and lists the open asks that fit them and appeared since their last digest — at most
``MAX_ASKS``, newest first. Nothing new means no email: the period is simply marked done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from exchange.asks import queries
from exchange.asks.models import Ask
from exchange.asks.schemas import dump_ask
from exchange.clock import utcnow
from exchange.delivery import links, records
from exchange.delivery.eligibility import Later, quiet_until
from exchange.mail.compose import Letter, message_id, render
from exchange.members.models import Member
from exchange.ports import DeliveryRefused

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
MAX_ASKS = 20
MORNING = 8  # local hour before which no digest goes
GRACE = timedelta(minutes=5)  # a claim this old, still not sent, belonged to a dead worker


@dataclass(frozen=True)
class Claimed:
    key: str
    member_id: int
    ask_ids: tuple[int, ...]
    period: str
    previous: datetime | None  # when the last digest went, to put back if this one cannot


def period_key(period: str, now: datetime) -> str:
    if period == "daily":
        return now.strftime("d%Y%m%d")
    year, week, _ = now.isocalendar()
    return f"w{year}{week:02d}"


def key(member_id: int, period: str, now: datetime) -> str:
    return f"digest-{member_id}-{period_key(period, now)}"


def due(session, *, now: datetime | None = None, limit: int = 500) -> list[tuple[int, str]]:
    """(member id, period key) of every member whose digest is due."""
    now = now or utcnow()
    found = []
    for period, length in PERIODS.items():
        cutoff = now - length
        rows = session.execute(select(Member.id).where(
            Member.digest == period, Member.status == "active",
            Member.email.is_not(None), Member.email_verified_at.is_not(None),
            or_(Member.digest_sent_at.is_(None), Member.digest_sent_at <= cutoff),
            or_(Member.last_seen_at.is_(None), Member.last_seen_at <= cutoff))
            .order_by(Member.id).limit(limit)).scalars()
        found += [(member_id, period_key(period, now)) for member_id in rows]
    return found


def _not_yet(member: Member, now: datetime) -> Later | None:
    local = now.astimezone(ZoneInfo(member.timezone))
    if local.hour < MORNING:
        morning = local.replace(hour=MORNING, minute=0, second=0, microsecond=0)
        return Later(morning.astimezone(now.tzinfo), "before the member's morning")
    return quiet_until(member, now)


def claim_digest(uow, *, member_id: int) -> Claimed | Later | None:
    s, now = uow.session, utcnow()
    member = s.get(Member, member_id)
    if member is None or member.digest not in PERIODS or member.status != "active" \
            or not member.email_verified:
        return None
    period = PERIODS[member.digest]
    if member.digest_sent_at and member.digest_sent_at > now - period:
        return None
    if member.last_seen_at and member.last_seen_at > now - period:
        return None  # they were here: the feed on the site says it all
    later = _not_yet(member, now)
    if later is not None:
        return later
    since = max(member.digest_sent_at or now - period, now - period)
    asks, _ = queries.page(s, actor=member, for_me=True, status="open", limit=MAX_ASKS)
    fresh = tuple(a.id for a in asks if a.created_at > since)
    digest_key = key(member.id, member.digest, now)
    if not fresh:
        member.digest_sent_at = now  # the period is done: nothing new to tell
        records.record(s, key=digest_key, channel="email", member_id=member.id,
                       status="skipped", detail="no new asks")
        return None
    row = records.claim(s, key=digest_key, channel="email", member_id=member.id,
                        message_id=None)
    if row is None:
        return None
    previous, member.digest_sent_at = member.digest_sent_at, now
    return Claimed(key=digest_key, member_id=member.id, ask_ids=fresh, period=member.digest,
                   previous=previous)


def send_claimed(uow, *, mailer, settings, claimed: Claimed) -> bool:
    s = uow.session
    row = records.get(s, claimed.key)
    member = s.get(Member, claimed.member_id)
    if row is None or row.status != "claimed" or member is None or not member.email_verified:
        return False
    asks = [a for a in (s.get(Ask, i) for i in claimed.ask_ids)
            if a is not None and a.status == "open" and not a.hidden]
    if not asks:
        records.finish(row, "skipped", "the asks were taken meanwhile")
        return False
    mid = message_id(claimed.key, settings)
    letter = Letter(
        to=member.email, template="digest", kind="digest", message_id=mid,
        unsubscribe_url=links.unsubscribe(settings, member_id=member.id, kinds=["digest"]),
        context={"member": {"display_name": member.display_name, "handle": member.handle,
                            "timezone": member.timezone},
                 "period": claimed.period, "asks": [dump_ask(a) for a in asks],
                 "links": {"home": links.home(settings),
                           "settings": links.notification_settings(settings),
                           "asks": {a.id: links.ask(settings, a.id) for a in asks}}})
    try:
        mailer.send(render(letter, settings))
    except DeliveryRefused as err:
        records.finish(row, "failed", f"refused: {err}")
        return False
    records.finish(row, "sent")
    return True


def release(uow, *, claimed: Claimed) -> None:
    """The send failed for now: forget the claim, so the next sweep finds the member due."""
    _forget(uow.session, claimed.key, claimed.member_id, claimed.previous)


def release_stale(session, *, now: datetime | None = None) -> int:
    """Claims whose worker died before it sent: due again at the next sweep."""
    rows = [r for r in records.stale_claims(session, older_than=GRACE, now=now)
            if r.key.startswith("digest-")]
    for row in rows:
        _forget(session, row.key, row.member_id, None)
    return len(rows)


def _forget(session, digest_key: str, member_id: int | None, previous) -> None:
    row = records.get(session, digest_key)
    if row is not None and row.status == "claimed":
        session.delete(row)
    member = session.get(Member, member_id) if member_id else None
    if member is not None:
        member.digest_sent_at = previous
    session.flush()
