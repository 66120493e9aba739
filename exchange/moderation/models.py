"""Moderation records: flags, the audit log, and the asks a suspension hid.

- ``Flag``: one member's report on one target (``ask``, ``message`` or ``member``). At most one
  *open* flag per flagger per target: a partial UNIQUE index (``WHERE status = 'open'``) on
  both databases settles a double submit. ``weight`` is fixed when the flag is made (see
  ``moderation.service``); ``hid_target`` marks the flag whose weight crossed the auto-hide
  threshold, so a dismissal knows to restore what the threshold hid. A claim (who is
  reviewing the target) is stored on every open flag of the target.
- ``AuditEntry``: append-only (see ``moderation.audit``): nothing in the app updates or
  deletes it, and on PostgreSQL a trigger refuses both. Each row carries a SHA-256 chained
  to the row before it.
- ``SuspensionHide``: which asks a suspension hid, so reinstating unhides exactly those.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from exchange.clock import utcnow
from exchange.db import Base, UTCDateTime

TARGET_TYPES = ("ask", "message", "member")
REASONS = ("spam", "harassment", "unsafe", "off_topic", "other")
FLAG_STATUSES = ("open", "upheld", "dismissed")


class Flag(Base):
    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    flagger_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="open")
    hid_target: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_flags_target", "target_type", "target_id", "status"),
        Index("ix_flags_flagger_status", "flagger_id", "status"),
        Index("uq_flags_one_open", "flagger_id", "target_type", "target_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        CheckConstraint("target_type IN ('ask', 'message', 'member')", name="target_type_known"),
        CheckConstraint("status IN ('open', 'upheld', 'dismissed')", name="status_known"),
        CheckConstraint("weight >= 1", name="weight_positive"),
    )


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # None = the system
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_actor_id", "actor_id", "id"),
        Index("ix_audit_log_action", "action", "id"),
        Index("ix_audit_log_target", "target_type", "target_id", "id"),
    )


class SuspensionHide(Base):
    __tablename__ = "suspension_hides"

    ask_id: Mapped[int] = mapped_column(ForeignKey("asks.id", ondelete="CASCADE"),
                                        primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
