"""Reminders and nudges already sent: the guard that makes each one go out once.

``key`` names the occasion (``window-24h``, ``confirm``, ``thanks``, ``followup``,
``try-small-ask:<date>``, ``pay-it-forward:<ask>`` …); with the member (and ask, where there is
one) it is UNIQUE, so a retried or doubled job cannot send the same reminder twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from exchange.clock import utcnow
from exchange.db import Base, UTCDateTime


class SentReminder(Base):
    __tablename__ = "sent_reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    ask_id: Mapped[int] = mapped_column(Integer, default=0)  # 0 when not about one ask
    key: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("member_id", "ask_id", "key", name="uq_sent_reminders_once"),
        Index("ix_sent_reminders_member_key", "member_id", "key", "sent_at"),
    )
