"""Bulk seeding for the benchmarks: many members with a realistic spread of skills, weekly
availability, areas and history, and open asks — written with SQLAlchemy Core, in batches,
so 100k members take seconds rather than the minutes the ORM would need.

The spread: ~30 tags with a long tail (a few common, most rare), 1–5 skills each; six in ten
members give weekly slots in their own timezone (utc columns filled by ``slot_to_utc`` as the
profile service does); some are not helping, away, or in-person; four in ten were offered
something before (``helper_stats``); one in twenty is busy helping right now.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import insert

from exchange.asks.models import Ask, AskTag
from exchange.ledger.models import MemberTotals
from exchange.members.models import AvailabilitySlot, Member, MemberSkill
from exchange.members.timeutil import slot_to_utc
from exchange.offers.models import HelperStats

TAGS = ("python", "writing", "english", "cv", "excel", "javascript", "cooking", "maths",
        "sql", "design", "spanish", "interviews", "statistics", "pandas", "react", "french",
        "budgeting", "gardening", "photography", "linux", "git", "physics", "chemistry",
        "german", "bikes", "sewing", "music", "accessibility", "legal-basics", "tax")
TAG_WEIGHTS = tuple(1 / (rank + 1) ** 0.9 for rank in range(len(TAGS)))  # long tail
ZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago",
         "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo",
         "Australia/Sydney", "Africa/Lagos")
AREAS = ("Leeds", "York", "Bristol", "Glasgow", "Cardiff", "Manchester", "Brighton", "Derby")
BATCH = 5000


def _batches(rows: list[dict]) -> Iterator[list[dict]]:
    for i in range(0, len(rows), BATCH):
        yield rows[i : i + BATCH]


def _insert(conn, table, rows: list[dict]) -> None:
    for batch in _batches(rows):
        conn.execute(insert(table), batch)


def _insert_ids(conn, table, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for batch in _batches(rows):
        ids.extend(conn.execute(stmt, batch).scalars())
    return ids


def _tags(rnd: random.Random, k: int) -> list[str]:
    chosen: set[str] = set()
    while len(chosen) < k:
        chosen.update(rnd.choices(TAGS, weights=TAG_WEIGHTS, k=k - len(chosen)))
    return sorted(chosen)


def _member(rnd: random.Random, token: str, i: int, now: datetime) -> dict:
    quiet = rnd.random() < 0.3
    return {
        "handle": f"b{token}_{i}", "email": f"b{token}_{i}@example.org",
        "display_name": f"Bench {i}", "role": "member",
        "status": rnd.choices(("active", "suspended", "deleted"), (97, 2, 1))[0],
        "bio": "", "timezone": rnd.choice(ZONES), "helping": rnd.random() < 0.9,
        "capacity": rnd.choice((1, 2, 2, 3)),
        "quiet_start": 22 * 60 if quiet else None, "quiet_end": 7 * 60 if quiet else None,
        "area": rnd.choice(AREAS) if rnd.random() < 0.3 else None,
        "created_at": now - timedelta(days=rnd.randint(1, 700)),
    }


def _slots(rnd: random.Random, member_id: int, tz: str, now: datetime) -> list[dict]:
    if rnd.random() < 0.4:
        return []  # no slots: available any time
    rows, taken = [], set()
    for _ in range(rnd.randint(1, 5)):
        weekday, hour = rnd.randint(0, 6), rnd.randint(6, 21)
        if (weekday, hour) in taken:
            continue
        taken.add((weekday, hour))
        start, end = hour * 60, min(hour * 60 + rnd.choice((60, 120, 180)), 1440)
        utc_start, utc_end = slot_to_utc(weekday, start, end, tz, now)
        rows.append({"member_id": member_id, "weekday": weekday, "start_minute": start,
                     "end_minute": end, "utc_start": utc_start, "utc_end": utc_end})
    return rows


def _history(rnd: random.Random, member_id: int, now: datetime) -> tuple[dict | None, dict | None]:
    stats = totals = None
    if rnd.random() < 0.4:
        offers = rnd.randint(1, 30)
        stats = {"member_id": member_id, "offers_total": offers,
                 "accepts_total": rnd.randint(0, offers),
                 "last_offered_at": now - timedelta(minutes=rnd.randint(1, 60 * 24 * 30))}
    if rnd.random() < 0.2:
        totals = {"member_id": member_id, "given_minutes": 0, "received_minutes": 30,
                  "helps_given": 0, "asks_received": 1,
                  "last_received_at": now - timedelta(days=rnd.randint(0, 90))}
    return stats, totals


def seed_members(conn, count: int, rnd: random.Random, now: datetime) -> list[int]:
    """``count`` members and their skills, slots and history; returns their ids."""
    token = secrets.token_hex(3)
    people = [_member(rnd, token, i, now) for i in range(count)]
    ids = _insert_ids(conn, Member.__table__, people)
    skills, slots, stats, totals = [], [], [], []
    for member_id, person in zip(ids, people, strict=True):
        skills += [{"member_id": member_id, "tag": t} for t in _tags(rnd, rnd.randint(1, 5))]
        slots += _slots(rnd, member_id, person["timezone"], now)
        helper, received = _history(rnd, member_id, now)
        stats += [helper] if helper else []
        totals += [received] if received else []
    _insert(conn, MemberSkill.__table__, skills)
    _insert(conn, AvailabilitySlot.__table__, slots)
    _insert(conn, HelperStats.__table__, stats)
    _insert(conn, MemberTotals.__table__, totals)
    _busy_helpers(conn, ids, rnd, now)
    return ids


def _busy_helpers(conn, ids: list[int], rnd: random.Random, now: datetime) -> None:
    """One member in twenty is helping with an ask right now (the capacity check counts it)."""
    rows = []
    for helper in rnd.sample(ids, max(1, len(ids) // 20)):
        author = rnd.choice(ids)
        if author != helper:
            rows.append(_ask_row(author, now, status="matched", helper_id=helper,
                                 matched_at=now))
    _insert(conn, Ask.__table__, rows)


def _ask_row(author: int, now: datetime, **extra) -> dict:
    return {"author_id": author, "title": "Could someone look over this with me?",
            "details": "", "minutes": 20, "mode": "online", "area": None, "status": "open",
            "created_at": now, "updated_at": now, "window_start": None, "window_end": None,
            "helper_id": None, "matched_at": None, **extra}


def seed_asks(conn, count: int, authors: list[int], rnd: random.Random,
              now: datetime) -> list[int]:
    """Open asks: most tagged, half with a window in the coming week, a few in person."""
    rows, tags = [], []
    for _ in range(count):
        extra: dict = {}
        if rnd.random() < 0.5:
            start = (now + timedelta(days=rnd.randint(1, 6))).replace(
                hour=rnd.randint(0, 23), minute=0, second=0, microsecond=0)
            extra.update(window_start=start,
                         window_end=start + timedelta(hours=rnd.randint(1, 4)))
        if rnd.random() < 0.1:
            extra.update(mode="in_person", area=rnd.choice(AREAS))
        rows.append(_ask_row(rnd.choice(authors), now, **extra))
        tags.append(_tags(rnd, rnd.randint(1, 3)) if rnd.random() < 0.8 else [])
    ids = _insert_ids(conn, Ask.__table__, rows)
    _insert(conn, AskTag.__table__, [{"ask_id": a, "tag": t}
                                     for a, ask_tags in zip(ids, tags, strict=True)
                                     for t in ask_tags])
    return ids
