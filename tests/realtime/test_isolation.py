"""Fifty members connected at once, five hundred pushes: each reaches its member and only them."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from exchange.members import service as members
from exchange.members.models import Member
from tests.realtime.live import wait_until

pytestmark = pytest.mark.slow
MEMBERS = 50
PUSHES = 500


def _members(make_uow, n: int) -> list[dict]:
    """Members with tokens straight in the database: registering fifty through the API would
    only measure password hashing."""
    with make_uow() as uow:
        rows = [Member(handle=f"crowd{i}", email=f"crowd{i}@example.org",
                       display_name=f"Crowd {i}") for i in range(n)]
        uow.session.add_all(rows)
        uow.flush()
        tokens = [members.issue_token(uow, member=m) for m in rows]
        uow.commit()
        return [{"id": m.id, "headers": {"Authorization": f"Bearer {t}"}}
                for m, t in zip(rows, tokens, strict=True)]


def test_every_client_receives_all_of_its_own_pushes_and_no_one_elses(make_uow, listen,
                                                                      publisher):
    crowd = _members(make_uow, MEMBERS)
    with ThreadPoolExecutor(10) as pool:
        listeners = list(pool.map(listen, crowd))
    assert all(listener.connected for listener in listeners)
    rng = random.Random(7)
    expected: dict[int, list[int]] = {who["id"]: [] for who in crowd}
    for n in range(PUSHES):
        to = rng.choice(crowd)["id"]
        expected[to].append(n)
        publisher.push(to, "test.push", {"to": to, "n": n})
    wait_until(lambda: sum(len(li.received("test.push")) for li in listeners) >= PUSHES,
               timeout=30)
    got = {li.member_id: [p["n"] for p in li.received("test.push")] for li in listeners}
    assert got == expected
    assert all(p["to"] == li.member_id for li in listeners for p in li.received("test.push"))
