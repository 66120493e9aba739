"""Stored notifications: the durable half of every push.

``id`` is unique per database but, on PostgreSQL, not committed in order. ``seq`` numbers one
member's notifications 1, 2, 3… in the order their transactions committed, with no gaps (the
member's ``NoteCounter`` row is bumped and locked just before the commit, so a second writer
waits for the first's commit before it takes the next number): whoever has seen ``seq`` n has
every row numbered below it already committed. A client resumes with ``since``/``after`` = the
id of the last notification it handled, and gets the ones after it in ``seq`` order
(docs/decisions/0016-notification-sequence.md). ``data`` is JSON shaped per kind
(``exchange.payloads``); the push payload is the stored row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
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
    "ask.hidden",
    "offer.closed",
)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # The ask it is about (``data.ask.id`` or ``data.ask_id``), so an email can gather every
    # note of one ask; None for notes about no ask (nudges, warnings).
    ask_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The member's sequence number, set just before the writing transaction commits
    # (``exchange.notifications.service.number``); None only inside that transaction.
    seq: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_notifications_member_id_id", "member_id", "id"),
                      Index("ux_notifications_member_id_seq", "member_id", "seq", unique=True))


class NoteCounter(Base):
    """The last ``seq`` given to a member's notifications. Its own table rather than a column
    on members: the row is locked from the numbering to the commit, and members rows are
    written by other paths (a socket connecting marks the member seen)."""

    __tablename__ = "note_counters"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)


class NotificationSetting(Base):
    """A member's channels for one kind, only where they differ from the defaults
    (``exchange.notifications.preferences``)."""

    __tablename__ = "notification_settings"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    live: Mapped[bool] = mapped_column(Boolean)
    email: Mapped[bool] = mapped_column(Boolean)
    push: Mapped[bool] = mapped_column(Boolean)
