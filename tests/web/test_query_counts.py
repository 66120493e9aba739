"""Pages that list people do not query once per person (an N+1 grows with the community)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def counting(db):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _thank(api, author, helper):
    ask = api.confirmed(author, helper)
    r = api.call(author, "POST", f"/asks/{ask['id']}/thanks", json={"message": "Thank you!"})
    assert r.status_code == 201, r.get_json()


def _profile_queries(api, db, viewer, handle) -> int:
    with counting(db) as statements:
        r = api.call(viewer, "GET", f"/members/{handle}")
    assert r.status_code == 200, r.get_json()
    return len(statements)


def test_a_profile_costs_the_same_queries_with_one_thanks_or_five(api, db):
    helper, viewer = api.member("helper"), api.member("viewer")
    _thank(api, api.member(), helper)
    one = _profile_queries(api, db, viewer, "helper")
    for _ in range(4):
        _thank(api, api.member(), helper)
    profile = api.call(viewer, "GET", "/members/helper").get_json()
    assert len(profile["thanks_received"]) == 5
    assert len({t["from_handle"] for t in profile["thanks_received"]}) == 5
    assert _profile_queries(api, db, viewer, "helper") == one
