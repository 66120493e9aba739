"""Matching: send an ask to the right few helpers, in waves, and widen gently.

``run_wave`` is what the ``match_ask`` job calls. It is idempotent: the ``MatchWave`` row for
(ask, round, wave) is claimed first (a primary key), so a retried or doubled job does nothing.
A wave offers the ask to the top ``wave_size`` of the ranked pool who are not in quiet hours,
pushes ``ask.offered`` with the reasons, and emits ``WaveSent`` so the escalation job is
scheduled ``wave_seconds`` later. Accepting settles the offers and cancels that job (and the
job re-checks the ask anyway). After ``max_waves`` the ask is marked widened — it stays in every
fitting helper's feed — and the asker gets a kind ``ask.still_open`` note, never a failure.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, text, update

from exchange.asks.models import Ask
from exchange.asks.queries import one_for_wave
from exchange.asks.schemas import dump_ask
from exchange.clock import utcnow
from exchange.db import UTCDateTime
from exchange.events import WaveSent
from exchange.matching import candidates, ranking
from exchange.matching.models import MatchWave
from exchange.members.timeutil import in_quiet_hours
from exchange.notifications.service import notify, notify_many
from exchange.offers import service as offers
from exchange.ports import NoPresence, Presence
from exchange.reminders.service import send_once_many

PAY_IT_FORWARD_EVERY = timedelta(days=7)


def facts(ask: Ask) -> ranking.AskFacts:
    return ranking.AskFacts(ask_id=ask.id, tags=frozenset(ask.tags), mode=ask.mode,
                            area=ask.area)


# The wave's claim: ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (the same text on both
# databases). As text it is compiled once; the dialect's insert with ``on_conflict`` is not
# cacheable in SQLAlchemy 2.0 and compiled again on every wave.
_CLAIM = text("INSERT INTO match_waves (ask_id, round, wave, offered, ran_at) "
              "VALUES (:ask_id, :round, :wave, 0, :ran_at) "
              "ON CONFLICT DO NOTHING RETURNING ask_id").bindparams(
    bindparam("ran_at", type_=UTCDateTime()))
_WAVES = MatchWave.__table__
_COUNT = (update(_WAVES).where(_WAVES.c.ask_id == bindparam("a"), _WAVES.c.round == bindparam("r"),
                               _WAVES.c.wave == bindparam("w"))
          .values(offered=bindparam("n")))


def _claim(session, ask: Ask, round_: int, wave: int) -> bool:
    """This wave is ours to send: one ``INSERT … ON CONFLICT DO NOTHING`` (a second job for the
    same wave waits on the first's row and then finds it taken), no savepoint round trips."""
    claimed = session.execute(_CLAIM, {"ask_id": ask.id, "round": round_, "wave": wave,
                                       "ran_at": utcnow()}).first()
    return claimed is not None


def _count_offered(session, ask: Ask, round_: int, wave: int, offered: int) -> None:
    if offered:
        session.execute(_COUNT, {"a": ask.id, "r": round_, "w": wave, "n": offered})


def run_wave(uow, *, ask_id: int, round_: int, wave: int, presence: Presence | None = None,
             seed: int = 0) -> list[int] | None:
    """Send one wave; returns the member ids offered, or None when there was nothing to do."""
    s, settings = uow.session, uow.settings
    ask = one_for_wave(s, ask_id)
    if ask is None or ask.status != "open" or ask.hidden or ask.match_round != round_:
        return None
    if not _claim(s, ask, round_, wave):
        return None
    if wave > settings.max_waves:
        _widen(uow, ask)
        return []
    chosen, rest = _choose(s, ask, presence or NoPresence(), settings.wave_size, seed)
    dumped = dump_ask(ask)  # once per wave: every offer and nudge carries the same ask
    offered = _offer_all(uow, ask, dumped, chosen, wave)
    _count_offered(s, ask, round_, wave, len(offered))
    if wave == 1 and round_ == 0:
        _suggest_paying_forward(uow, dumped, rest[: settings.wave_size])
    next_at = utcnow() + timedelta(seconds=settings.wave_seconds)
    uow.emit(WaveSent(ask_id=ask.id, round=round_, wave=wave, next_at=next_at.isoformat()))
    uow.flush()
    return offered


def _choose(session, ask, presence, size, seed):
    now = utcnow()
    members = candidates.pool(session, ask, now)
    online = presence.online([m.id for m, _ in members])
    by_id = {m.id: m for m, _ in members}
    cands = [c if c.member_id not in online else _online(c) for _, c in members]
    ranked = [r for r in ranking.rank(facts(ask), cands, seed=seed)
              if not _quiet(by_id[r.candidate.member_id], now)]
    return ranked[:size], ranked[size:]


def _online(c: ranking.Candidate) -> ranking.Candidate:
    from dataclasses import replace
    return replace(c, online=True)


def _quiet(member, now) -> bool:
    return in_quiet_hours(member.quiet_start, member.quiet_end, member.timezone, now)


def _offer_all(uow, ask, dumped: dict, chosen: list[ranking.Ranked], wave: int) -> list[int]:
    """The wave's offers and their notifications, a fixed number of statements for any wave
    size (a helper already offered this ask is skipped, as before)."""
    by_id = {r.candidate.member_id: r for r in chosen}
    offered = offers.record_offers(uow.session, ask=ask, wave=wave, live=True, chosen=[
        (r.candidate.member_id, r.score, list(r.reasons)) for r in chosen])
    notify_many(uow, kind="ask.offered", items=[
        (m, {"ask": dumped, "reasons": list(by_id[m].reasons), "wave": wave}) for m in offered],
        online={m for m in offered if by_id[m].candidate.online})
    return offered


def _widen(uow, ask: Ask) -> None:
    ask.widened = True
    notify(uow, member_id=ask.author_id, kind="ask.still_open", data={
        "ask": dump_ask(ask),
        "message": "Your ask is still open and now shows to everyone who could help. "
                   "Good asks sometimes just need a little longer.",
    })
    uow.flush()


def _suggest_paying_forward(uow, dumped: dict, others: list[ranking.Ranked]) -> None:
    """Members who were helped recently and could help here hear about it (weekly at most)."""
    send_once_many(uow, member_ids=[r.candidate.member_id for r in others
                                    if r.candidate.received_recently],
                   key="pay-it-forward", ask_id=0, every=PAY_IT_FORWARD_EVERY, kind="nudge",
                   data={"nudge": "pay_it_forward", "ask": dumped,
                         "message": "Someone is asking for help you could give — a chance to "
                                    "pass on the help you got, if you have time."})
