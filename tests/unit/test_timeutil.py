"""Local time for members: weekly slots in UTC minutes of the week, windows, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from exchange.members.timeutil import (
    WEEK,
    in_quiet_hours,
    local_window,
    minute_of_week,
    overlaps,
    quiet_ends_at,
    slot_to_utc,
    window_bounds,
    window_ranges,
)

THURSDAY = 3
SUNDAY = 6
MONDAY = 0
JAN = datetime(2030, 1, 1, 12, tzinfo=UTC)  # a Tuesday, winter in the north
JUL = datetime(2030, 7, 2, 12, tzinfo=UTC)  # a Tuesday, summer in the north


def _at(day: int, hour: int, minute: int = 0) -> int:
    return day * 1440 + hour * 60 + minute


# slot_to_utc


def test_a_tokyo_morning_slot_is_the_same_day_just_after_midnight_utc():
    assert slot_to_utc(THURSDAY, 9 * 60, 12 * 60, "Asia/Tokyo", JAN) == (_at(THURSDAY, 0),
                                                                          _at(THURSDAY, 3))


def test_a_late_sunday_slot_west_of_utc_lands_on_monday_morning_utc():
    # Etc/GMT+2 is UTC-2 (the sign is inverted in the tz database's Etc zones).
    assert slot_to_utc(SUNDAY, 23 * 60, 1440, "Etc/GMT+2", JAN) == (60, 120)


def test_an_early_monday_slot_east_of_utc_runs_past_the_end_of_the_week():
    start, end = slot_to_utc(MONDAY, 8 * 60, 10 * 60, "Asia/Tokyo", JAN)
    assert (start, end) == (_at(SUNDAY, 23), WEEK + 60)


def test_a_slot_uses_the_summer_offset_in_summer():
    assert slot_to_utc(MONDAY, 9 * 60, 10 * 60, "America/New_York", JAN)[0] == _at(MONDAY, 14)
    assert slot_to_utc(MONDAY, 9 * 60, 10 * 60, "America/New_York", JUL)[0] == _at(MONDAY, 13)


def test_a_slot_uses_the_offset_of_its_next_occurrence_across_a_clock_change():
    # US clocks go forward on Sunday 2030-03-10; saved on the Saturday before, the Monday
    # slot is already placed at summer time.
    saturday = datetime(2030, 3, 9, 12, tzinfo=UTC)
    assert slot_to_utc(MONDAY, 9 * 60, 10 * 60, "America/New_York", saturday)[0] == \
        _at(MONDAY, 13)


def test_a_slot_keeps_its_length_in_utc():
    start, end = slot_to_utc(2, 10 * 60, 11 * 60 + 30, "Asia/Kolkata", JAN)
    assert end - start == 90


# window_ranges


def test_an_ask_without_a_window_fits_any_slot():
    assert window_ranges(None, None, JAN) is None


def test_a_window_is_its_utc_minutes_of_the_week():
    start = datetime(2030, 1, 3, 1, tzinfo=UTC)  # Thursday 01:00 UTC
    assert window_ranges(start, start + timedelta(hours=1), JAN) == (_at(THURSDAY, 1),
                                                                     _at(THURSDAY, 2))


def test_a_window_with_only_a_start_lasts_a_day():
    start = datetime(2030, 1, 3, 1, tzinfo=UTC)
    assert window_ranges(start, None, JAN) == (_at(THURSDAY, 1), _at(THURSDAY, 1) + 1440)


def test_a_window_with_only_an_end_starts_now():
    end = JAN + timedelta(hours=3)
    assert window_ranges(None, end, JAN) == (minute_of_week(JAN), minute_of_week(JAN) + 180)


def test_a_window_of_a_week_or_more_fits_any_slot():
    assert window_ranges(JAN, JAN + timedelta(days=7), JAN) is None


def test_a_window_across_the_end_of_the_week_runs_past_it():
    start = datetime(2030, 1, 6, 23, 30, tzinfo=UTC)  # Sunday 23:30 UTC
    assert window_ranges(start, start + timedelta(hours=1), JAN) == (WEEK - 30, WEEK + 30)


def test_a_window_given_in_another_offset_is_read_in_utc():
    tokyo = datetime(2030, 1, 3, 10, tzinfo=UTC).astimezone(ZoneInfo("Asia/Tokyo"))
    assert window_ranges(tokyo, tokyo + timedelta(hours=1), JAN)[0] == _at(THURSDAY, 10)


# overlaps


def test_ranges_that_share_time_overlap():
    assert overlaps((60, 180), (120, 240))


def test_ranges_that_only_touch_do_not_overlap():
    assert not overlaps((60, 120), (120, 240))


def test_disjoint_ranges_do_not_overlap():
    assert not overlaps((60, 120), (600, 700))


def test_a_slot_running_past_the_week_end_overlaps_early_monday():
    assert overlaps((WEEK - 60, WEEK + 60), (30, 45))


def test_a_window_running_past_the_week_end_overlaps_early_monday():
    assert overlaps((0, 60), (WEEK - 30, WEEK + 30))


def test_a_wrapping_slot_does_not_reach_past_its_end():
    assert not overlaps((WEEK - 60, WEEK + 60), (90, 200))


def test_two_wrapping_ranges_overlap():
    assert overlaps((WEEK - 60, WEEK + 60), (WEEK - 10, WEEK + 10))


# in_quiet_hours


def test_no_quiet_hours_is_never_quiet():
    assert not in_quiet_hours(None, None, "UTC", JAN)


def test_daytime_quiet_hours_cover_their_span_only():
    at = datetime(2030, 1, 1, 13, 30, tzinfo=UTC)
    assert in_quiet_hours(13 * 60, 14 * 60, "UTC", at)
    assert not in_quiet_hours(13 * 60, 14 * 60, "UTC", at + timedelta(hours=1))


def test_overnight_quiet_hours_cover_late_evening_and_early_morning():
    night = (22 * 60, 7 * 60)
    assert in_quiet_hours(*night, "UTC", datetime(2030, 1, 1, 23, 30, tzinfo=UTC))
    assert in_quiet_hours(*night, "UTC", datetime(2030, 1, 1, 6, 59, tzinfo=UTC))


def test_overnight_quiet_hours_end_at_their_end_minute():
    night = (22 * 60, 7 * 60)
    assert not in_quiet_hours(*night, "UTC", datetime(2030, 1, 1, 7, 0, tzinfo=UTC))
    assert not in_quiet_hours(*night, "UTC", datetime(2030, 1, 1, 21, 59, tzinfo=UTC))


def test_quiet_hours_are_read_in_the_members_own_timezone():
    # 14:00 UTC is 23:00 in Tokyo.
    at = datetime(2030, 1, 1, 14, tzinfo=UTC)
    assert in_quiet_hours(22 * 60, 7 * 60, "Asia/Tokyo", at)
    assert not in_quiet_hours(22 * 60, 7 * 60, "UTC", at)


# quiet_ends_at


def test_quiet_hours_that_began_tonight_end_tomorrow_morning():
    at = datetime(2030, 1, 1, 23, 30, tzinfo=UTC)
    assert quiet_ends_at(22 * 60, 7 * 60, "UTC", at) == datetime(2030, 1, 2, 7, tzinfo=UTC)


def test_quiet_hours_after_midnight_end_the_same_morning():
    at = datetime(2030, 1, 2, 5, tzinfo=UTC)
    assert quiet_ends_at(22 * 60, 7 * 60, "UTC", at) == datetime(2030, 1, 2, 7, tzinfo=UTC)


def test_quiet_hours_end_in_local_time_given_back_in_utc():
    at = datetime(2030, 1, 1, 14, tzinfo=UTC)  # 23:00 in Tokyo
    ends = quiet_ends_at(22 * 60, 7 * 60, "Asia/Tokyo", at)
    assert ends == datetime(2030, 1, 1, 22, tzinfo=UTC)  # 07:00 on the 2nd in Tokyo
    assert ends.tzinfo is UTC


def test_quiet_hours_end_at_local_wall_time_across_a_clock_change():
    # US clocks go forward at 02:00 on 2030-03-10: 07:00 that morning is 11:00 UTC, not 12:00.
    at = datetime(2030, 3, 10, 4, tzinfo=UTC)  # 23:00 on the 9th in New York
    assert quiet_ends_at(22 * 60, 7 * 60, "America/New_York", at) == \
        datetime(2030, 3, 10, 11, tzinfo=UTC)


# local_window / window_bounds


def test_a_window_is_read_on_the_members_own_wall_clock():
    start = datetime(2030, 1, 3, 17, tzinfo=UTC)  # Thursday 18:00 in Berlin (CET)
    bounds = window_bounds(start, start + timedelta(hours=1), JAN)
    assert local_window(bounds, "Europe/Berlin") == (_at(THURSDAY, 18), _at(THURSDAY, 19))


def test_the_same_utc_hour_is_an_hour_later_in_berlin_in_summer():
    start = datetime(2030, 7, 4, 17, tzinfo=UTC)  # Thursday 19:00 in Berlin (CEST)
    bounds = window_bounds(start, start + timedelta(hours=1), JAN)
    assert local_window(bounds, "Europe/Berlin") == (_at(THURSDAY, 19), _at(THURSDAY, 20))


def test_a_window_across_the_autumn_change_is_an_hour_shorter_on_the_wall_clock():
    # Sunday 27 Oct 2030, Berlin: 00:00 CEST to 04:00 CET is five hours, four on the clock.
    start = datetime(2030, 10, 26, 22, tzinfo=UTC)
    bounds = window_bounds(start, start + timedelta(hours=5), JAN)
    assert local_window(bounds, "Europe/Berlin") == (_at(SUNDAY, 0), _at(SUNDAY, 4))


def test_a_window_of_a_week_or_more_has_no_bounds():
    assert window_bounds(JAN, JAN + timedelta(days=7), JAN) is None
