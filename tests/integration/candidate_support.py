"""Members, asks and offers written through the services, for the candidate-query tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from exchange.asks import service as asks
from exchange.asks.models import Ask
from exchange.clock import utcnow
from exchange.matching import candidates
from exchange.members import service as members
from exchange.members.models import Member
from exchange.offers.models import HelperStats


def slot(weekday: int, start: str, end: str) -> dict:
    """A weekly slot as the profile takes it: ``slot(3, "09:00", "12:00")``."""
    return {"weekday": weekday, "start": _minutes(start), "end": _minutes(end)}


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def member(make_uow, handle: str, *, status: str = "active", **profile) -> int:
    """A member (no password: sign-in is not under test) with ``profile`` set as PATCH /me."""
    with make_uow() as uow:
        row = Member(handle=handle, email=f"{handle}@example.org", display_name=handle.title())
        uow.session.add(row)
        uow.flush()
        if profile:
            members.update_profile(uow, actor=row, changes=profile)
        row.status = status
        uow.commit()
        return row.id


def ask(make_uow, author_id: int, **fields) -> int:
    with make_uow() as uow:
        actor = uow.session.get(Member, author_id)
        data = {"title": "Read one paragraph of my essay", "minutes": 15, **fields}
        posted = asks.post_ask(uow, actor=actor, data=data)
        uow.commit()
        return posted.id


def act(make_uow, service, member_id: int, **kwargs) -> None:
    with make_uow() as uow:
        service(uow, actor=uow.session.get(Member, member_id), **kwargs)
        uow.commit()


def last_offered(make_uow, member_id: int, at: datetime | None) -> None:
    with make_uow() as uow:
        uow.session.execute(insert(HelperStats).values(member_id=member_id, offers_total=1,
                                                       accepts_total=0, last_offered_at=at))
        uow.commit()


def eligible(make_uow, ask_id: int) -> list[int]:
    """Eligible ids from the source tables — checked against the pool the index walk finds,
    so every eligibility test is also a test that ``match_pool`` was kept right."""
    with make_uow() as uow:
        ask_row, now = uow.session.get(Ask, ask_id), utcnow()
        ids = candidates.eligible_ids(uow.session, ask_row, now)
        walked = [m.id for m, _ in candidates.pool(uow.session, ask_row, now)]
    if len(ids) <= candidates.POOL:
        assert sorted(walked) == ids, f"the walk found {sorted(walked)}, eligible are {ids}"
    else:
        assert set(walked) <= set(ids) and len(walked) == candidates.POOL
    return ids


def pool(make_uow, ask_id: int) -> list:
    """The pool as (member id, candidate) pairs, in the query's order."""
    with make_uow() as uow:
        rows = candidates.pool(uow.session, uow.session.get(Ask, ask_id), utcnow())
        return [(m.id, c) for m, c in rows]
