"""Offer bookkeeping: matching writes offers, asks settle them on accept (one home below both)."""

from __future__ import annotations

import json

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from exchange.clock import utcnow
from exchange.db import dialect_insert
from exchange.offers.models import HelperStats, Offer


def _bump_stats(session, member_id: int, **increments) -> None:
    if session.get(HelperStats, member_id) is None:
        try:
            with session.begin_nested():
                session.add(HelperStats(member_id=member_id))
        except IntegrityError:
            pass  # created concurrently
    values = {name: getattr(HelperStats, name) + n for name, n in increments.items()
              if name != "last_offered_at"}
    if "last_offered_at" in increments:
        values["last_offered_at"] = increments["last_offered_at"]
    session.execute(update(HelperStats).where(HelperStats.member_id == member_id)
                    .values(**values).execution_options(synchronize_session=False))


def record_offer(session, *, ask, member_id: int, wave: int, live: bool, score: float,
                 reasons: list[str]) -> Offer | None:
    """One offer per (ask, helper): a duplicate (retried job) returns None."""
    now = utcnow()
    offer = Offer(ask_id=ask.id, member_id=member_id, round=ask.match_round, wave=wave,
                  live=live, score=score, reasons=reasons, offered_at=now)
    try:
        with session.begin_nested():
            session.add(offer)
    except IntegrityError:
        return None
    _bump_stats(session, member_id, offers_total=1, last_offered_at=now)
    return offer


def record_offers(session, *, ask, wave: int, live: bool,
                  chosen: list[tuple[int, float, list[str]]]) -> list[int]:
    """A wave's offers — ``(member_id, score, reasons)`` each — and their helpers' counters,
    in a fixed number of statements whatever their number: the offers (``ON CONFLICT DO
    NOTHING``: a helper already offered this ask is skipped, as ``record_offer`` skips a
    duplicate) and the counters of those offered now (an upsert, in member-id order: one lock
    order for every wave, so two never deadlock). On PostgreSQL both are one statement (a
    data-modifying CTE over arrays); elsewhere two multi-row inserts. Returns the member ids
    offered now, in the order given."""
    if not chosen:
        return []
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        new = _offer_in_one(session, ask, wave, live, chosen, now)
    else:
        new = _offer_in_two(session, ask, wave, live, chosen, now)
    return [member_id for member_id, _, _ in chosen if member_id in new]


_OFFER_IN_ONE = text("""
WITH new AS (
    INSERT INTO offers (ask_id, member_id, round, wave, live, score, reasons, offered_at)
    SELECT :ask_id, o.m, :round, :wave, :live, o.s, CAST(o.r AS json), :now
    FROM unnest(CAST(:members AS integer[]), CAST(:scores AS float8[]),
                CAST(:reasons AS text[])) AS o(m, s, r)
    ON CONFLICT (ask_id, member_id) DO NOTHING
    RETURNING member_id),
counted AS (
    INSERT INTO helper_stats (member_id, offers_total, accepts_total, last_offered_at)
    SELECT member_id, 1, 0, :now FROM new ORDER BY member_id
    ON CONFLICT (member_id) DO UPDATE
    SET offers_total = helper_stats.offers_total + 1, last_offered_at = excluded.last_offered_at)
SELECT member_id FROM new""")


def _offer_in_one(session, ask, wave, live, chosen, now) -> set[int]:
    return set(session.execute(_OFFER_IN_ONE, {
        "ask_id": ask.id, "round": ask.match_round, "wave": wave, "live": live, "now": now,
        "members": [m for m, _, _ in chosen], "scores": [float(s) for _, s, _ in chosen],
        "reasons": [json.dumps(list(r)) for _, _, r in chosen]}).scalars())


def _offer_in_two(session, ask, wave, live, chosen, now) -> set[int]:
    insert = dialect_insert(session)
    rows = [{"ask_id": ask.id, "member_id": member_id, "round": ask.match_round, "wave": wave,
             "live": live, "score": score, "reasons": list(reasons), "offered_at": now}
            for member_id, score, reasons in chosen]
    offers, stats = Offer.__table__, HelperStats.__table__
    stmt = insert(offers).on_conflict_do_nothing(
        index_elements=["ask_id", "member_id"]).returning(offers.c.member_id)
    new = set(session.execute(stmt, rows).scalars())  # executemany: one statement
    if new:
        upsert = insert(stats)
        session.execute(upsert.on_conflict_do_update(
            index_elements=["member_id"],
            set_={"offers_total": stats.c.offers_total + 1,
                  "last_offered_at": upsert.excluded.last_offered_at}), [
            {"member_id": m, "offers_total": 1, "accepts_total": 0, "last_offered_at": now}
            for m in sorted(new)])
    return new


def hold_counters(session, member_id: int) -> None:
    """Lock ``member_id``'s counters row before anything else of theirs (PostgreSQL; SQLite
    serialises writers anyway). A wave takes a helper's counters and then, by trigger, their
    pool rows; an accept's UPDATE of the ask takes the winner's pool rows (their load changed)
    and bumps their counters after. Holding the counters first gives both the same order, so
    an accept and a wave offering its helper another ask queue instead of deadlocking
    (tests/integration/test_lock_order.py). A helper never offered anything has no row yet:
    nothing to lock, and no wave holds it either until its upsert inserts one."""
    session.execute(select(HelperStats.member_id).where(HelperStats.member_id == member_id)
                    .with_for_update())


def settle_after_accept(uow, *, ask, winner_id: int) -> list[int]:
    """Mark the winner's offer accepted and the other open offers taken; returns their members."""
    s, now = uow.session, utcnow()
    pending = list(s.scalars(select(Offer).where(Offer.ask_id == ask.id,
                                                 Offer.response.is_(None))))
    losers = []
    for offer in pending:
        offer.responded_at = now
        if offer.member_id == winner_id:
            offer.response = "accepted"
            _bump_stats(s, winner_id, accepts_total=1)
        else:
            offer.response = "taken"
            if offer.live:
                losers.append(offer.member_id)
    uow.flush()
    return losers


def settle_withdraw(uow, *, ask, member_id: int) -> None:
    """The helper who won the ask stepped back: their offer is no longer the accepted one, so
    the next helper's accept can be (one accepted offer per ask, held by a unique index)."""
    offer = uow.session.scalar(select(Offer).where(Offer.ask_id == ask.id,
                                                   Offer.member_id == member_id))
    if offer is not None and offer.response == "accepted":
        offer.response, offer.responded_at = "withdrew", utcnow()


def settle_pass(uow, *, ask, member_id: int) -> None:
    """A helper passed on an ask they were offered: the offer's answer is ``passed``."""
    offer = uow.session.scalar(select(Offer).where(Offer.ask_id == ask.id,
                                                   Offer.member_id == member_id))
    if offer is not None and offer.response is None:
        offer.response, offer.responded_at = "passed", utcnow()


def pending_holders(session, *, ask_id: int) -> list[int]:
    """The helpers holding an offer of this ask they haven't answered (live or not: a helper
    offered in their quiet hours still sees it in their feed), in member order."""
    return list(session.scalars(select(Offer.member_id).where(
        Offer.ask_id == ask_id, Offer.response.is_(None)).order_by(Offer.member_id)))
