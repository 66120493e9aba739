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


def _list_statements(api, db, viewer, path) -> list[str]:
    with counting(db) as statements:
        r = api.call(viewer, "GET", path)
    assert r.status_code == 200, r.get_json()
    return [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "ROLLBACK"))]


def test_a_page_of_asks_reads_its_tags_and_people_in_the_pages_own_query(api, db):
    """The caller, then the page: its asks' tags and authors come with it, however many asks
    (the tags used to be a second query per page)."""
    author = api.member("author")
    viewer = api.member("viewer", skills=["python", "sql"])
    api.ask(author, title="One tagged ask to start", tags=["python", "sql"])
    one = _list_statements(api, db, viewer, "/asks?for_me=true&status=open")
    others = [api.member(f"other{i}") for i in range(2)]  # a new member asks 3 a day
    for i in range(4):
        api.ask(others[i % 2], title=f"Another tagged ask {i}",
                tags=["sql", "python", "maths"][: i % 3 + 1])
    api.ask(author, title="An ask with no tags at all")
    five = _list_statements(api, db, viewer, "/asks?for_me=true&status=open")
    assert len(one) == len(five) == 2, five
    r = api.call(viewer, "GET", "/asks?for_me=true&status=open")
    tags = {a["title"]: a["tags"] for a in r.get_json()["items"]}
    assert tags["One tagged ask to start"] == ["python", "sql"]  # in order, as ever
    assert tags["Another tagged ask 2"] == ["maths", "python", "sql"]
    assert tags["An ask with no tags at all"] == []
    assert {a["author"]["handle"] for a in r.get_json()["items"]} == {"author", "other0",
                                                                       "other1"}
