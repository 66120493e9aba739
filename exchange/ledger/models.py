"""The reciprocal ledger: append-only, double-entry, zero-sum.

Entities: a ``Transfer`` moves ``minutes`` from one member (the asker, debited) to another (the
helper, credited) and owns exactly two ``Entry`` rows, ``-minutes`` and ``+minutes``.

Sign convention: a positive entry is time *given*; a negative entry is time *received*.
A member's ``balance`` = given − received = the sum of their entries.

What enforces the invariants (the database holds each it can: docs/invariants.md):
- zero-sum: the service writes both entries of a transfer in one flush; nothing else inserts.
  On PostgreSQL deferred constraint triggers refuse, at COMMIT, a transfer that is not exactly
  its two legs (+minutes to ``to``, −minutes from ``from``); SQLite refuses a wrong or doubled
  leg as it is inserted but cannot see a missing one (``exchange ledger verify`` does).
- once per ask: ``transfers.ask_id`` is UNIQUE (help transfers only; reversals carry NULL), so a
  retried or racing confirm cannot credit twice even if the state check were bypassed.
- a correction is a new transfer with ``reverses_id`` (UNIQUE) naming the original.
- append-only: no service updates or deletes an entry or transfer, and triggers on both
  databases refuse UPDATE and DELETE (TRUNCATE too on PostgreSQL).
``MemberTotals`` caches per-member sums, updated in the same transaction; tests prove they equal
the sums of entries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.clock import utcnow
from exchange.db import Base, UTCDateTime


class Transfer(Base):
    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="help")
    ask_id: Mapped[int | None] = mapped_column(ForeignKey("asks.id"), unique=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"), unique=True)
    from_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    to_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    minutes: Mapped[int] = mapped_column(Integer)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entries: Mapped[list[Entry]] = relationship(back_populates="transfer", lazy="selectin")

    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("kind IN ('help', 'reversal')", name="kind_known"),
        CheckConstraint("from_member_id <> to_member_id", name="distinct_members"),
    )


class Entry(Base):
    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    amount: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    transfer: Mapped[Transfer] = relationship(back_populates="entries")

    __table_args__ = (
        Index("ix_entries_member_id_id", "member_id", "id"),
        CheckConstraint("amount <> 0", name="amount_nonzero"),
    )


class MemberTotals(Base):
    """Cached sums per member; equal to the sums of entries (tested)."""

    __tablename__ = "member_totals"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    given_minutes: Mapped[int] = mapped_column(Integer, default=0)
    received_minutes: Mapped[int] = mapped_column(Integer, default=0)
    helps_given: Mapped[int] = mapped_column(Integer, default=0)
    asks_received: Mapped[int] = mapped_column(Integer, default=0)
    last_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
