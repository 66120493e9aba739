"""The candidate query's availability rule: a weekly slot in the helper's own timezone must
overlap the ask's window (in UTC); no slots, or no window, always fits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.candidate_support import ask, eligible, member, pool, slot

THURSDAY, SUNDAY, MONDAY = 3, 6, 0
THU = datetime(2030, 1, 3, tzinfo=UTC)  # a Thursday
SUN = datetime(2030, 1, 6, tzinfo=UTC)
MON = datetime(2030, 1, 7, tzinfo=UTC)


def _window(make_uow, author: int, start: datetime, minutes: int) -> int:
    return ask(make_uow, author, window_start=start, window_end=start + timedelta(minutes=minutes))


def _tokyo_thursday_morning(make_uow) -> int:
    return member(make_uow, "tokyo", timezone="Asia/Tokyo",
                  availability=[slot(THURSDAY, "09:00", "12:00")])


def test_a_tokyo_morning_slot_fits_a_window_just_after_midnight_utc(make_uow):
    author = member(make_uow, "asker")
    tokyo = _tokyo_thursday_morning(make_uow)
    assert eligible(make_uow, _window(make_uow, author, THU + timedelta(hours=1), 60)) == [tokyo]


def test_a_tokyo_morning_slot_does_not_fit_the_utc_morning(make_uow):
    author = member(make_uow, "asker")
    _tokyo_thursday_morning(make_uow)
    assert eligible(make_uow, _window(make_uow, author, THU + timedelta(hours=9), 60)) == []


def test_a_helper_with_no_slots_fits_any_window(make_uow):
    author = member(make_uow, "asker")
    _tokyo_thursday_morning(make_uow)
    anytime = member(make_uow, "anytime")
    assert eligible(make_uow, _window(make_uow, author, THU + timedelta(hours=9), 60)) == \
        [anytime]


def test_an_ask_with_no_window_fits_any_slot(make_uow):
    author = member(make_uow, "asker")
    tokyo = _tokyo_thursday_morning(make_uow)
    assert eligible(make_uow, ask(make_uow, author)) == [tokyo]


def test_one_fitting_slot_among_several_is_enough(make_uow):
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper", availability=[
        slot(MONDAY, "09:00", "10:00"), slot(THURSDAY, "14:00", "15:00")])
    assert eligible(make_uow, _window(make_uow, author, THU + timedelta(hours=14), 30)) == \
        [helper]


def test_a_late_sunday_slot_west_of_utc_fits_monday_morning_utc(make_uow):
    author = member(make_uow, "asker")
    west = member(make_uow, "west", timezone="Etc/GMT+2",  # UTC-2
                  availability=[slot(SUNDAY, "23:00", "24:00")])
    assert eligible(make_uow, _window(make_uow, author, MON + timedelta(hours=1), 30)) == [west]


def test_a_late_sunday_slot_west_of_utc_does_not_fit_late_sunday_utc(make_uow):
    author = member(make_uow, "asker")
    member(make_uow, "west", timezone="Etc/GMT+2", availability=[slot(SUNDAY, "23:00", "24:00")])
    assert eligible(make_uow, _window(make_uow, author, SUN + timedelta(hours=23), 60)) == []


def test_a_slot_running_past_the_week_end_in_utc_fits_both_sides(make_uow):
    # Monday 08:00-10:00 in Tokyo is Sunday 23:00 to Monday 01:00 UTC.
    author = member(make_uow, "asker")
    tokyo = member(make_uow, "tokyo", timezone="Asia/Tokyo",
                   availability=[slot(MONDAY, "08:00", "10:00")])
    sunday_night = _window(make_uow, author, SUN + timedelta(hours=23, minutes=15), 30)
    monday_early = _window(make_uow, author, MON + timedelta(minutes=30), 15)
    assert eligible(make_uow, sunday_night) == [tokyo]
    assert eligible(make_uow, monday_early) == [tokyo]


def test_a_slot_running_past_the_week_end_does_not_fit_after_it_ends(make_uow):
    author = member(make_uow, "asker")
    member(make_uow, "tokyo", timezone="Asia/Tokyo", availability=[slot(MONDAY, "08:00", "10:00")])
    assert eligible(make_uow, _window(make_uow, author, MON + timedelta(hours=1), 60)) == []


def test_a_window_across_the_week_end_fits_an_early_monday_slot(make_uow):
    author = member(make_uow, "asker")
    early = member(make_uow, "early", availability=[slot(MONDAY, "00:00", "01:00")])
    across = _window(make_uow, author, SUN + timedelta(hours=23, minutes=30), 60)
    assert eligible(make_uow, across) == [early]


def test_a_window_of_a_week_or_more_fits_any_slot(make_uow):
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper", availability=[slot(MONDAY, "09:00", "10:00")])
    assert eligible(make_uow, _window(make_uow, author, THU, 7 * 1440)) == [helper]


def test_the_pool_names_the_helpers_own_weekday_that_fits(make_uow):
    # Thursday 09:00 in Tokyo is 00:00 Thursday UTC, but a Wednesday-evening slot in New York
    # fits the same window and is named for the helper's Wednesday.
    author = member(make_uow, "asker")
    tokyo = _tokyo_thursday_morning(make_uow)
    ny = member(make_uow, "ny", timezone="America/New_York",
                availability=[slot(2, "20:00", "21:00")])
    rows = dict(pool(make_uow, _window(make_uow, author, THU + timedelta(hours=1), 60)))
    assert (rows[tokyo].window_day, rows[ny].window_day) == ("Thursday", "Wednesday")
