"""Offers: which helper was shown which ask, and what came of it; counters for fair ranking.

An ``Offer`` records that an ask was put in front of one helper: in which round (a round
restarts when a helper withdraws) and wave, whether it was pushed live (not during the helper's
quiet hours), the reasons shown, and the helper's response (``accepted``, ``taken`` when someone
else won, ``passed`` when they said "not this time", ``withdrew`` when they accepted and later
stepped back, or none). UNIQUE (ask, member): nobody is offered the same ask twice; a partial
UNIQUE index: at most one offer per ask is ``accepted`` at any time.

``HelperStats`` holds the counters ranking needs (offers received, offers accepted, last offered)
so the candidate query reads one row per helper instead of counting offers.

Matching writes offers and asks settle them on accept, so they live below both.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from exchange.clock import utcnow
from exchange.db import Base, UTCDateTime


class Offer(Base):
    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("asks.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(SmallInteger, default=0)
    wave: Mapped[int] = mapped_column(SmallInteger)
    live: Mapped[bool] = mapped_column(Boolean, default=True)
    score: Mapped[float | None] = mapped_column()
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    response: Mapped[str | None] = mapped_column(String(16))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("ask_id", "member_id", name="uq_offers_ask_member"),
        Index("ix_offers_member_offered", "member_id", "offered_at"),
        # One winner per ask, held by the database: at most one offer of an ask is accepted.
        Index("uq_offers_one_accepted_per_ask", "ask_id", unique=True,
              postgresql_where=text("response = 'accepted'"),
              sqlite_where=text("response = 'accepted'")),
    )


class HelperStats(Base):
    __tablename__ = "helper_stats"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    offers_total: Mapped[int] = mapped_column(Integer, default=0)
    accepts_total: Mapped[int] = mapped_column(Integer, default=0)
    last_offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
