"""Posting an ask: coaching hints, the composer's limits, the open-asks cap and daily limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Api
from tests.web.flow_helpers import field_errors

BODY = {"title": "Read one paragraph of my essay", "minutes": 15}


@pytest.fixture
def relaxed_api(no_rate_limits, db, dispatcher):
    """An API on an app with the per-day limits off; the open-asks cap still holds there."""
    from web import create_app
    return Api(create_app(no_rate_limits, db=db, dispatcher=dispatcher).test_client())


def post(api, who, **fields):
    return api.call(who, "POST", "/asks", json={**BODY, **fields})


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def test_a_new_ask_is_created_open_with_coaching_hints(api):
    r = post(api, api.member("alice"), title="Need help with stuff and things", tags=[])
    assert r.status_code == 201
    ask = r.get_json()
    assert ask["status"] == "open" and ask["author"]["handle"] == "alice"
    assert ask["helper"] is None
    codes = [hint["code"] for hint in ask["coaching"]]
    assert "vague_words" in codes
    assert all(hint["message"] for hint in ask["coaching"])


def test_a_clear_ask_gets_no_coaching_hints(api):
    r = post(api, api.member(), title="Review my CV summary paragraph tomorrow evening",
             details="It is for a junior data analyst role; I want to know if it reads clearly.",
             tags=["cv"])
    assert r.get_json()["coaching"] == []


def test_an_ask_keeps_its_fields(api):
    start, end = iso(timedelta(days=1)), iso(timedelta(days=2))
    ask = post(api, api.member(), tags=["Writing", "cv"], minutes=120, window_start=start,
               window_end=end, mode="in_person", area="Leith").get_json()
    assert sorted(ask["tags"]) == ["cv", "writing"] and ask["minutes"] == 120
    assert (ask["mode"], ask["area"]) == ("in_person", "Leith")
    assert ask["window_start"] and ask["window_end"]


@pytest.mark.parametrize("title", ["x" * 8, "x" * 120])
def test_titles_of_8_to_120_characters_are_fine(api, title):
    assert post(api, api.member(), title=title).status_code == 201


@pytest.mark.parametrize("field, value", [
    ("title", "x" * 7),
    ("title", "x" * 121),
    ("minutes", 4),
    ("minutes", 121),
    ("minutes", "15"),
    ("tags", ["a", "b", "c", "d", "e", "f"]),
    ("tags", ["two words"]),
    ("details", "d" * 2001),
    ("mode", "teleport"),
])
def test_a_field_out_of_bounds_is_refused_naming_it(api, field, value):
    assert field in field_errors(post(api, api.member(), **{field: value}))


def test_minutes_from_5_to_120_are_fine(api):
    alice = api.member()
    assert post(api, alice, minutes=5).status_code == 201
    assert post(api, alice, minutes=120).status_code == 201


def test_five_tags_are_fine(api):
    assert post(api, api.member(), tags=["a", "b", "c", "d", "e"]).status_code == 201


def test_a_window_ending_more_than_14_days_ahead_is_refused(api):
    r = post(api, api.member(), window_end=iso(timedelta(days=15)))
    assert "window_end" in field_errors(r)


def test_a_window_ending_within_14_days_is_fine(api):
    assert post(api, api.member(), window_end=iso(timedelta(days=13))).status_code == 201


def test_a_window_must_start_before_it_ends(api):
    r = post(api, api.member(), window_start=iso(timedelta(days=2)),
             window_end=iso(timedelta(days=1)))
    assert "window_end" in field_errors(r)


def test_an_in_person_ask_needs_an_area(api):
    assert "area" in field_errors(post(api, api.member(), mode="in_person"))


def test_a_refused_ask_is_not_stored(api):
    alice = api.member()
    post(api, alice, minutes=500)
    assert api.call(alice, "GET", "/asks?mine=asked").get_json()["items"] == []


def test_a_sixth_open_ask_is_refused_while_five_are_open(relaxed_api):
    alice = relaxed_api.member()
    for _ in range(5):
        relaxed_api.ask(alice)
    r = post(relaxed_api, alice)
    assert r.status_code == 409
    assert r.get_json()["reason"] == "too_many_open_asks"


def test_closing_an_open_ask_makes_room_under_the_cap(relaxed_api):
    alice = relaxed_api.member()
    asks = [relaxed_api.ask(alice) for _ in range(5)]
    relaxed_api.call(alice, "POST", f"/asks/{asks[0]['id']}/cancel")
    assert post(relaxed_api, alice).status_code == 201


def test_a_brand_new_member_gets_429_on_the_fourth_ask_of_the_day(api):
    alice = api.member()
    for _ in range(3):
        ask = api.ask(alice)
        api.call(alice, "POST", f"/asks/{ask['id']}/cancel")  # only the daily limit applies
    r = post(api, alice)
    assert r.status_code == 429
    assert r.get_json()["reason"] == "asks_per_day"
    assert int(r.headers["Retry-After"]) > 0


def test_a_member_with_a_confirmed_exchange_gets_the_higher_daily_limit(api):
    alice, bob = api.member(), api.member()
    api.confirmed(alice, bob)
    for _ in range(3):
        ask = api.ask(alice)
        api.call(alice, "POST", f"/asks/{ask['id']}/cancel")
    assert post(api, alice).status_code == 201
