"""The transactional outbox: side effects that must not be lost.

A durable event (posting an ask, a state change, a sent wave …) is written here in the same
transaction as the change it describes. After commit the dispatcher runs its handlers (enqueue
jobs) and stamps ``dispatched_at``; if Redis is away the row simply stays pending and the
reconciler re-dispatches it later. Handlers enqueue jobs with deterministic ids, so a row that
is dispatched twice (reconciler and request racing) has the effect of once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.clock import utcnow
from exchange.db import Base, UTCDateTime


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_pending", "dispatched_at", "id"),)
