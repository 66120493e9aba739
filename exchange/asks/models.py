"""Asks, their tags, and helpers an ask must skip.

State lives in one column, ``status``; transitions are the table in ``asks.states`` and every
change goes through a conditional UPDATE (``WHERE status IN (...)``) so a race has exactly one
winner on SQLite and PostgreSQL alike. Tags are a child table indexed by tag for matching.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from exchange.clock import utcnow
from exchange.db import Base, UTCDateTime

OPEN_FOR = timedelta(days=14)  # an open ask closes gently after this (or at its window's end)
AUTO_CONFIRM_AFTER = timedelta(days=7)  # a delivered ask the asker never confirmed
STATUSES = ("open", "matched", "delivered", "confirmed", "cancelled", "expired")
MODES = ("online", "in_person")
# Open and expired asks have no helper; matched, delivered and confirmed ones have one; a
# cancelled ask keeps the helper it had, if any (cancelled while matched).
STATUS_HELPER_AGREE = (
    "(status IN ('open', 'expired') AND helper_id IS NULL)"
    " OR (status IN ('matched', 'delivered', 'confirmed') AND helper_id IS NOT NULL)"
    " OR status = 'cancelled'"
)


class Ask(Base):
    __tablename__ = "asks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    details: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int] = mapped_column(SmallInteger)
    actual_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(16), default="online")
    area: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Matching restarts in a new round when a helper withdraws; ``widened`` once every wave of
    # the round went out and the ask stays open in every fitting helper's feed.
    match_round: Mapped[int] = mapped_column(SmallInteger, default=0)
    widened: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tag_rows: Mapped[list[AskTag]] = relationship(
        cascade="all, delete-orphan", order_by="AskTag.tag", lazy="selectin"
    )
    # A list's page reads the tags in its own query, comma-joined (``exchange.asks.queries``),
    # instead of a second query for the page's tag rows; None when loaded any other way.
    tags_joined: Mapped[str | None] = query_expression()
    author = relationship("Member", foreign_keys=[author_id], lazy="joined")
    helper = relationship("Member", foreign_keys=[helper_id], lazy="joined")
    # Read only for a confirmed ask (``AskSchema.thanks``: no other can have thanks, so a wave
    # serialising an open ask pays no query); the lists load it for a whole page at once.
    thanks = relationship("Thanks", uselist=False, viewonly=True, lazy="select")

    __table_args__ = (
        Index("ix_asks_status_created", "status", "created_at"),
        Index("ix_asks_author_status", "author_id", "status"),
        Index("ix_asks_helper_status", "helper_id", "status"),
        CheckConstraint("minutes BETWEEN 5 AND 120", name="minutes_range"),
        CheckConstraint(
            "status IN ('open', 'matched', 'delivered', 'confirmed', 'cancelled', 'expired')",
            name="status_known",
        ),
        CheckConstraint("mode IN ('online', 'in_person')", name="mode_known"),
        # Who holds the ask agrees with its state (CONTRACT §4). On SQLite the same condition
        # is two triggers (revision b8e4f2d61c07; docs/invariants.md).
        CheckConstraint(STATUS_HELPER_AGREE, name="status_helper_agree"),
    )

    @property
    def tags(self) -> list[str]:
        joined = self.__dict__.get("tags_joined")  # never a load of its own
        if joined is not None:
            return sorted(joined.split(",")) if joined else []
        return [t.tag for t in self.tag_rows]

    @property
    def expires_at(self) -> datetime:
        """When an open ask closes gently: its window's end, or 14 days after posting."""
        limit = self.created_at + OPEN_FOR
        return min(self.window_end, limit) if self.window_end else limit

    @property
    def auto_confirms_at(self) -> datetime | None:
        """When a delivered ask confirms itself, if the asker hasn't."""
        return self.delivered_at + AUTO_CONFIRM_AFTER if self.delivered_at else None


class AskTag(Base):
    __tablename__ = "ask_tags"

    ask_id: Mapped[int] = mapped_column(ForeignKey("asks.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)

    __table_args__ = (Index("ix_ask_tags_tag", "tag", "ask_id"),)


class AskSkip(Base):
    """A helper who stepped back from an ask (``withdrew`` after accepting it) or passed on it
    (``passed``: "not this time", privately): matching never offers it to them again and it
    leaves their feed. Only a withdrawal refuses a later accept; a pass can change its mind."""

    __tablename__ = "ask_skips"

    ask_id: Mapped[int] = mapped_column(ForeignKey("asks.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(16), default="withdrew",
                                        server_default="withdrew")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Thanks(Base):
    """Gratitude from the asker to the helper, once per confirmed ask."""

    __tablename__ = "thanks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("asks.id"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    helper_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    message: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
