"""The waves that sent an ask's offers.

A ``MatchWave`` row is written once per (ask, round, wave): it is the idempotency guard that makes
a retried or doubled ``match_ask`` job a no-op, and the record of when each wave went out. The
offers themselves live in ``exchange.offers``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from exchange.clock import utcnow
from exchange.db import Base, UTCDateTime


class MatchWave(Base):
    __tablename__ = "match_waves"

    ask_id: Mapped[int] = mapped_column(
        ForeignKey("asks.id", ondelete="CASCADE"), primary_key=True)
    round: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    wave: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
