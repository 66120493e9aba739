"""Helpers for the integration tests: members without password hashing, threads in lockstep,
and reading back what the database holds."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from exchange.asks import service as asks
from exchange.db import Database
from exchange.members.models import Member
from exchange.models import Base
from exchange.notifications.models import Notification
from tests.fixtures.databases import guards_lifted


def add_members(make_uow, count: int, prefix: str = "m") -> list[int]:
    """Member ids; rows written directly because argon2 hashing is not what these tests test."""
    with make_uow() as uow:
        rows = [Member(handle=f"{prefix}{i}", email=f"{prefix}{i}@example.org",
                       display_name=f"{prefix.title()} {i}", capacity=10)
                for i in range(count)]
        uow.session.add_all(rows)
        uow.flush()
        ids = [m.id for m in rows]
        uow.commit()
    return ids


def post(make_uow, author_id: int, minutes: int = 15) -> int:
    with make_uow() as uow:
        actor = uow.session.get(Member, author_id)
        ask = asks.post_ask(uow, actor=actor, data={"title": "Read one paragraph of my essay",
                                                    "minutes": minutes})
        uow.commit()
        return ask.id


def act(make_uow, service, member_id: int, **kwargs):
    """Run one service call as the API does: commit on success, keep a lost race's note."""
    with make_uow() as uow:
        actor = uow.session.get(Member, member_id)
        try:
            result = service(uow, actor=actor, **kwargs)
        except asks.LostRace:
            uow.commit()
            raise
        uow.commit()
        return result


def in_lockstep(count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` on ``count`` threads released together; each result or raised error."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as err:  # noqa: BLE001 - the caller inspects what each thread got
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def notification_count(session, member_id: int, kind: str) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.member_id == member_id, Notification.kind == kind))


def empty_tables(db: Database) -> None:
    """Empty every table between examples inside one test. DELETE, children first, rather than
    TRUNCATE: on tables this small PostgreSQL deletes in milliseconds but truncates in ~0.2 s."""
    with db.engine.begin() as conn, guards_lifted(conn):  # ledger, audit: append-only
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
