"""Members, their skills and weekly availability, API tokens and blocks.

A member's handle is stored lowercase (unique, so case-insensitive). Skills and availability
live in their own indexed tables so matching can filter in SQL. A deleted member keeps the row
as a tombstone (``status='deleted'``, personal fields blanked) so ledger entries stay balanced.
Tokens are stored only as a SHA-256 digest; the plain token is shown once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.clock import utcnow
from exchange.db import Base, UTCDateTime

ROLES = ("member", "moderator", "admin")
STATUSES = ("active", "suspended", "banned", "deleted")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # Mail goes only to a verified address. An address waiting for its link: a change of email
    # (``pending_email`` becomes ``email`` when confirmed), or a registration that named an
    # address another account already has (it stays pending: nothing reveals the other account).
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending_email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bio: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    helping: Mapped[bool] = mapped_column(Boolean, default=True)
    capacity: Mapped[int] = mapped_column(SmallInteger, default=2)
    quiet_start: Mapped[int | None] = mapped_column(SmallInteger)
    quiet_end: Mapped[int | None] = mapped_column(SmallInteger)
    area: Mapped[str | None] = mapped_column(String(64))
    # Hidden pending moderation review: the profile is absent (404) to everyone else.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Off-page reach: a digest of open asks (off, daily, weekly), whether a Web Push may show
    # the ask's own words (a lock screen is public), and when the member was last on the site.
    digest: Mapped[str] = mapped_column(String(8), default="off", server_default="off")
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    push_details: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    skills: Mapped[list[MemberSkill]] = relationship(
        cascade="all, delete-orphan", order_by="MemberSkill.tag", lazy="selectin"
    )
    slots: Mapped[list[AvailabilitySlot]] = relationship(
        cascade="all, delete-orphan",
        order_by="(AvailabilitySlot.weekday, AvailabilitySlot.start_minute)",
        lazy="selectin",
    )

    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 10", name="capacity_range"),
        CheckConstraint("role IN ('member', 'moderator', 'admin')", name="role_known"),
        CheckConstraint(
            "status IN ('active', 'suspended', 'banned', 'deleted')", name="status_known"
        ),
        CheckConstraint("digest IN ('off', 'daily', 'weekly')", name="digest_known"),
    )

    @property
    def skill_tags(self) -> list[str]:
        return [s.tag for s in self.skills]

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def email_verified(self) -> bool:
        return self.email is not None and self.email_verified_at is not None


class MemberSkill(Base):
    __tablename__ = "member_skills"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)

    __table_args__ = (Index("ix_member_skills_tag", "tag", "member_id"),)


class AvailabilitySlot(Base):
    """A weekly slot in the member's own timezone: weekday 0=Monday, minutes since midnight."""

    __tablename__ = "availability_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_minute: Mapped[int] = mapped_column(SmallInteger)
    end_minute: Mapped[int] = mapped_column(SmallInteger)
    # The same slot as minutes of the week in UTC (Monday 00:00 = 0), at the member's UTC
    # offset when saved; ``utc_end`` may pass 10080 when the slot wraps into next week.
    # Matching no longer reads these (they drift an hour at a DST change until re-saved): it
    # compares the local weekday and minutes with the ask's window on the member's own clock
    # (docs/decisions/0011-matching-pool-walks-the-index.md). Kept for now; to be dropped.
    utc_start: Mapped[int] = mapped_column(SmallInteger, default=0)
    utc_end: Mapped[int] = mapped_column(SmallInteger, default=0)

    __table_args__ = (
        Index("ix_availability_member_weekday", "member_id", "weekday"),
        Index("ix_availability_utc", "utc_start", "utc_end"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440", name="minute_range"),
        CheckConstraint("start_minute < end_minute", name="start_before_end"),
    )


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Block(Base):
    """``blocker`` never sees, is matched with, or is messaged by ``blocked`` (and vice versa)."""

    __tablename__ = "blocks"

    blocker_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_blocks_blocked", "blocked_id", "blocker_id"),
    )
