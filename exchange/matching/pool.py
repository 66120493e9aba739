"""The match pool: one row per (helper who could take an ask now, tag), kept by the database.

The candidate search walks this table's index ``(tag, last_offered_at, member_id)`` in the
order the pool wants — least recently offered first — checks the few things that depend on
the ask (author, blocks, offered or skipped before, window, area) row by row, and stops at
``POOL``: it reads about as many rows as it returns, whatever the membership.

A member has rows here exactly while they are ``active``, ``helping`` and below capacity (asks
``matched`` or ``delivered`` to them < ``capacity``): one row per skill tag, plus one under
``ANY_TAG`` for untagged asks. Each row carries what the walk filters on without a join: the
last offer (``NEVER`` when never offered, so the order needs no NULLS FIRST), the area
(lowercased, trimmed) and the timezone.

The rows are maintained by database triggers (revision ``a7c3e1f09b52``), not by the app, so no
write path can forget them: a change to a member's status, helping, capacity, area or timezone,
to their skills, to an ask's helper or status, and to ``helper_stats.last_offered_at`` (an
offer) refreshes the member's rows in the same transaction — whether it came from the ORM, a
Core statement, a bulk seed or a psql session. ``rebuild`` recomputes every row from the source
tables (the migration's backfill; also a repair tool).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, UTCDateTime

ANY_TAG = "*"  # never a real tag: tags are [a-z0-9-]
NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # last_offered_at of a helper never offered anything


class PoolEntry(Base):
    __tablename__ = "match_pool"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    area: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_match_pool_walk", "tag", "last_offered_at", "member_id"),
        Index("ix_match_pool_area_walk", "area", "tag", "last_offered_at", "member_id"),
        # Rows written by triggers only: whoever copies tables (a test snapshot, a data
        # export) copies the source tables and lets the database derive this one.
        {"info": {"derived": True}},
    )


def rebuild(session) -> None:
    """Every row recomputed from members, skills, asks and helper_stats (a repair tool; the
    migration backfills with the same statement)."""
    dialect = session.get_bind().dialect.name
    session.execute(text("DELETE FROM match_pool"))
    session.execute(text(REFRESH_ALL[dialect]))


_NEVER_SQL = {"postgresql": "TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00'",
              "sqlite": "'1970-01-01 00:00:00.000000'"}
REFRESH_ALL = {dialect: f"""
INSERT INTO match_pool (member_id, tag, last_offered_at, area, timezone)
SELECT m.id, t.tag, COALESCE(h.last_offered_at, {never}), NULLIF(lower(trim(m.area)), ''),
       m.timezone
FROM members m
JOIN (SELECT s.member_id AS member_id, s.tag AS tag FROM member_skills s
      UNION ALL SELECT m2.id, '{ANY_TAG}' FROM members m2) t ON t.member_id = m.id
LEFT JOIN helper_stats h ON h.member_id = m.id
WHERE m.status = 'active' AND m.helping
  AND (SELECT count(*) FROM asks a WHERE a.helper_id = m.id
       AND a.status IN ('matched', 'delivered')) < m.capacity
""" for dialect, never in _NEVER_SQL.items()}
