"""Stored notifications: the durable half of every push.

``id`` is monotonic per database, so a client resumes with ``since``/``after`` = the last id it
saw. ``data`` is JSON shaped per kind (``exchange.payloads``); the push payload is the stored
row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from exchange.clock import utcnow
from exchange.db import Base, UTCDateTime

KINDS = (
    "ask.offered",
    "ask.taken",
    "ask.accepted",
    "ask.withdrawn",
    "ask.cancelled",
    "ask.delivered",
    "ask.confirmed",
    "ask.expired",
    "ask.still_open",
    "message.new",
    "thanks.received",
    "reminder",
    "nudge",
    "mod.flagged",
    "mod.warning",
    "account.suspended",
)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_notifications_member_id_id", "member_id", "id"),)
