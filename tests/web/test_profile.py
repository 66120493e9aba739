"""The own profile (``GET/PATCH /me``) field by field, and the public profile."""

from __future__ import annotations

import pytest

from tests.web.flow_helpers import field_errors


def patch(api, who, **changes):
    return api.call(who, "PATCH", "/me", json=changes)


def updated(api, who, **changes) -> dict:
    r = patch(api, who, **changes)
    assert r.status_code == 200, r.get_json()
    assert _sorted(api.call(who, "GET", "/me").get_json()) == _sorted(r.get_json())
    return r.get_json()


def _sorted(profile: dict) -> dict:
    # The PATCH answer lists skills in the order given; a later GET lists them sorted.
    return {**profile, "skills": sorted(profile["skills"])}


def test_me_shows_the_own_profile_with_defaults(api):
    me = api.call(api.member("alice"), "GET", "/me").get_json()
    assert me["email"] == "alice@example.org"
    assert (me["helping"], me["capacity"], me["timezone"]) == (True, 2, "UTC")
    assert me["quiet_hours"] is None and me["availability"] == [] and me["skills"] == []


def test_display_name_can_be_changed(api):
    assert updated(api, api.member(), display_name="  Ada L.  ")["display_name"] == "Ada L."


def test_bio_of_500_characters_is_kept(api):
    assert updated(api, api.member(), bio="b" * 500)["bio"] == "b" * 500


def test_timezone_takes_an_iana_name(api):
    assert updated(api, api.member(), timezone="Europe/Berlin")["timezone"] == "Europe/Berlin"


def test_skills_are_lowercased_tags(api):
    me = updated(api, api.member(), skills=["Python", " writing ", "cv-review"])
    assert sorted(me["skills"]) == ["cv-review", "python", "writing"]


def test_skills_can_be_replaced_and_cleared(api):
    alice = api.member(skills=["python"])
    assert updated(api, alice, skills=[])["skills"] == []


def test_helping_can_be_switched_off(api):
    assert updated(api, api.member(), helping=False)["helping"] is False


@pytest.mark.parametrize("capacity", [1, 10])
def test_capacity_accepts_one_to_ten(api, capacity):
    assert updated(api, api.member(), capacity=capacity)["capacity"] == capacity


def test_availability_slots_are_weekday_and_local_times(api):
    slots = [{"weekday": 0, "start": "09:00", "end": "12:30"},
             {"weekday": 6, "start": "18:00", "end": "24:00"}]
    assert updated(api, api.member(), availability=slots)["availability"] == slots


def test_quiet_hours_may_run_overnight(api):
    quiet = {"start": "22:00", "end": "07:00"}
    assert updated(api, api.member(), quiet_hours=quiet)["quiet_hours"] == quiet


def test_quiet_hours_are_cleared_with_null(api):
    alice = api.member(quiet_hours={"start": "22:00", "end": "07:00"})
    assert updated(api, alice, quiet_hours=None)["quiet_hours"] is None


def test_area_is_set_and_cleared(api):
    alice = api.member()
    assert updated(api, alice, area="Leith")["area"] == "Leith"
    assert updated(api, alice, area=None)["area"] is None


def test_a_patch_leaves_other_fields_alone(api):
    alice = api.member(bio="hello", capacity=3)
    me = updated(api, alice, timezone="Asia/Tokyo")
    assert (me["bio"], me["capacity"]) == ("hello", 3)


@pytest.mark.parametrize("field, value", [
    ("display_name", ""),
    ("bio", "b" * 501),
    ("timezone", "Mars/Olympus_Mons"),
    ("skills", [f"t{i}" for i in range(21)]),
    ("skills", ["not a tag"]),
    ("skills", ["python", "Python"]),
    ("helping", "yes"),
    ("capacity", 0),
    ("capacity", 11),
    ("capacity", 2.5),
    ("availability", [{"weekday": 7, "start": "09:00", "end": "10:00"}]),
    ("availability", [{"weekday": 1, "start": "10:00", "end": "09:00"}]),
    ("availability", [{"weekday": 1, "start": "9am", "end": "10:00"}]),
    ("quiet_hours", {"start": "22:00", "end": "22:00"}),
    ("quiet_hours", {"start": "25:00", "end": "07:00"}),
    ("area", "a" * 65),
])
def test_an_invalid_value_is_refused_naming_the_field(api, field, value):
    alice = api.member()
    before = api.call(alice, "GET", "/me").get_json()
    assert field in field_errors(patch(api, alice, **{field: value}))
    assert api.call(alice, "GET", "/me").get_json() == before


def test_the_public_profile_never_shows_the_email(api):
    _, bob = api.member("alice", bio="I like maps"), api.member("bob")
    r = api.call(bob, "GET", "/members/alice")
    assert r.status_code == 200
    assert r.get_json()["bio"] == "I like maps" and "email" not in r.get_json()
    assert "alice@example.org" not in r.get_data(as_text=True)


def test_the_public_profile_shows_minutes_given_and_received(api):
    alice, bob = api.member("alice"), api.member("bob")
    api.confirmed(alice, bob, minutes=30)
    bob_public = api.call(alice, "GET", "/members/bob").get_json()
    alice_public = api.call(bob, "GET", "/members/alice").get_json()
    assert (bob_public["given_minutes"], bob_public["helps_given"]) == (30, 1)
    assert (alice_public["received_minutes"], alice_public["asks_received"]) == (30, 1)


def test_the_public_profile_of_an_unknown_handle_is_absent(api):
    assert api.call(api.member(), "GET", "/members/nobody_here").status_code == 404
