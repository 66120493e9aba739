"""Reaching members off the page: their push subscriptions, and what went out.

(A member's choices per notification kind live with the notifications:
``exchange.notifications.preferences``.) ``PushSubscription`` is one
browser's Web Push endpoint and keys (RFC 8030/8291); a push service answering 404 or 410
removes it. ``Delivery`` records every message that left, or was decided against, under a
unique ``key`` (``n{notification}-email``, ``n{notification}-push``, ``digest-{member}-…``,
``account-…``): the key is claimed before the message is handed over, so a retried job, a
doubled job or a worker that died mid-send never sends a second one — and a claim that never
became ``sent`` is what the sweep hands back to the queue. ``UsedToken`` makes a link from an
email single-use: the token's nonce is inserted in the same transaction as the action it
authorises.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.clock import utcnow
from exchange.db import Base, UTCDateTime

STATES = ("claimed", "sent", "skipped", "failed")


class PushSubscription(Base):
    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    endpoint: Mapped[str] = mapped_column(String(1024), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(96), unique=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    notification_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default="claimed")
    message_id: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("channel IN ('email', 'push')", name="channel_known"),
        CheckConstraint("status IN ('claimed', 'sent', 'skipped', 'failed')",
                        name="status_known"),
        Index("ix_deliveries_status_claimed", "status", "claimed_at"),
    )


class UsedToken(Base):
    __tablename__ = "used_tokens"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
