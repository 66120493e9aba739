"""``GET /asks``: the filters and cursor pagination."""

from __future__ import annotations

from tests.web.flow_helpers import hide_ask


def listed(api, who, query="") -> list[int]:
    r = api.call(who, "GET", f"/asks?{query}")
    assert r.status_code == 200, r.get_json()
    return [a["id"] for a in r.get_json()["items"]]


def test_the_feed_lists_everyones_visible_asks_newest_first(api):
    alice, bob = api.member("alice"), api.member("bob")
    first, second = api.ask(alice), api.ask(bob)
    assert listed(api, alice) == [second["id"], first["id"]]


def test_status_filters_the_list(api):
    alice, bob = api.member("alice"), api.member("bob")
    matched, still_open = api.matched(alice, bob), api.ask(alice)
    assert listed(api, bob, "status=matched") == [matched["id"]]
    assert listed(api, bob, "status=open") == [still_open["id"]]


def test_tag_filters_the_list(api):
    alice = api.member("alice")
    python = api.ask(alice, tags=["python", "sql"])
    api.ask(alice, tags=["cooking"])
    assert listed(api, alice, "tag=python") == [python["id"]]


def test_mine_asked_lists_only_my_asks(api):
    alice, bob = api.member("alice"), api.member("bob")
    mine = api.ask(alice)
    api.ask(bob)
    assert listed(api, alice, "mine=asked") == [mine["id"]]


def test_mine_helping_lists_asks_i_took(api):
    alice, bob = api.member("alice"), api.member("bob")
    taken = api.matched(alice, bob)
    api.ask(alice)
    assert listed(api, bob, "mine=helping") == [taken["id"]]


def test_an_unknown_filter_value_is_refused(api):
    r = api.call(api.member(), "GET", "/asks?status=pending")
    assert r.status_code == 422 and "status" in r.get_json()["errors"]["query"]


def test_for_me_lists_asks_matching_my_skills_and_untagged_ones(api):
    alice, carol = api.member("alice"), api.member("carol", skills=["python"])
    fits = api.ask(alice, tags=["python"])
    untagged = api.ask(alice)
    api.ask(alice, tags=["cooking"])
    assert listed(api, carol, "for_me=true") == [untagged["id"], fits["id"]]


def test_for_me_never_lists_my_own_asks(api):
    carol = api.member("carol", skills=["python"])
    api.ask(carol, tags=["python"])
    assert listed(api, carol, "for_me=true") == []


def test_for_me_lists_only_open_asks(api):
    alice, bob = api.member("alice"), api.member("bob")
    carol = api.member("carol")
    api.matched(alice, bob)
    assert listed(api, carol, "for_me=true") == []


def test_for_me_lists_in_person_asks_only_in_my_area(api):
    alice, carol = api.member("alice"), api.member("carol", area="leith")
    near = api.ask(alice, mode="in_person", area="Leith")
    api.ask(alice, mode="in_person", area="Soho")
    assert listed(api, carol, "for_me=true") == [near["id"]]


def test_for_me_leaves_out_in_person_asks_when_i_have_no_area(api):
    alice, carol = api.member("alice"), api.member("carol")
    api.ask(alice, mode="in_person", area="Leith")
    assert listed(api, carol, "for_me=true") == []


def test_cursor_pages_return_every_ask_exactly_once(api):
    alice, bob, carol = api.member(), api.member(), api.member()
    posted = {api.ask(who)["id"] for who in (alice, bob, carol, alice, bob)}
    seen, query = [], "limit=2"
    for _ in range(10):
        page = api.call(carol, "GET", f"/asks?{query}").get_json()
        assert len(page["items"]) <= 2
        seen += [a["id"] for a in page["items"]]
        if page["next_cursor"] is None:
            break
        query = f"limit=2&cursor={page['next_cursor']}"
    assert sorted(seen) == sorted(posted)


def test_a_full_last_page_has_no_next_cursor(api):
    alice = api.member()
    api.ask(alice)
    api.ask(alice)
    page = api.call(alice, "GET", "/asks?limit=2").get_json()
    assert len(page["items"]) == 2 and page["next_cursor"] is None


def test_a_hidden_ask_is_left_out_for_others(api, make_uow):
    alice, bob = api.member("alice"), api.member("bob")
    hide_ask(make_uow, api.ask(alice)["id"])
    assert listed(api, bob) == []


def test_a_hidden_ask_still_lists_for_its_author(api, make_uow):
    alice = api.member("alice")
    ask = api.ask(alice)
    hide_ask(make_uow, ask["id"])
    assert listed(api, alice, "mine=asked") == [ask["id"]]


def test_a_hidden_ask_is_absent_for_others(api, make_uow):
    alice, bob = api.member("alice"), api.member("bob")
    ask = api.ask(alice)
    hide_ask(make_uow, ask["id"])
    assert api.call(bob, "GET", f"/asks/{ask['id']}").status_code == 404


def test_for_me_pages_with_a_cursor_a_tag_and_a_moderator_each_ask_once(api, make_uow):
    """The for-me list runs from statements built once per shape (cursor, tag, status, area,
    moderator or not): every shape gives the same asks as one big page."""
    from exchange.members.admin import set_role
    from exchange.members.models import Member
    authors = [api.member(f"author{i}") for i in range(3)]
    reader = api.member("reader", skills=["python"], area="leith")
    mod = api.member("mod", skills=["python"])
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, mod["id"]), role="moderator")
        uow.commit()
    for i in range(7):
        api.ask(authors[i % 3], title=f"Python question number {i}",
                tags=["python"] if i % 2 else [], **({"mode": "in_person", "area": "Leith"}
                                                     if i == 3 else {}))
    for who in (reader, mod):
        for query in ("for_me=true", "for_me=true&status=open", "for_me=true&tag=python"):
            whole = api.call(who, "GET", f"/asks?{query}&limit=100").get_json()["items"]
            seen, cursor = [], None
            while True:
                path = f"/asks?{query}&limit=2" + (f"&cursor={cursor}" if cursor else "")
                page = api.call(who, "GET", path).get_json()
                seen += [a["id"] for a in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert seen == [a["id"] for a in whole], (who["handle"], query)
            tagged = 3 if who is reader else 2  # the one in Leith is not for the moderator
            assert [a for a in whole if a["tags"] == ["python"]] == (
                whole if "tag=" in query else [a for a in whole if a["tags"]])
            assert len([a for a in whole if a["tags"]]) == tagged
    # the in-person ask in Leith reaches the reader (area leith), not the moderator (no area)
    titles = {w["handle"]: {a["title"] for a in api.call(w, "GET", "/asks?for_me=true")
                            .get_json()["items"]} for w in (reader, mod)}
    assert "Python question number 3" in titles["reader"]
    assert "Python question number 3" not in titles["mod"]
    assert len(titles["reader"]) == 7 and len(titles["mod"]) == 6
