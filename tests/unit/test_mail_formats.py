"""How times, durations and member text read in an email."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from exchange.mail.formats import (
    duration,
    listing,
    moment,
    quoted,
    shorten,
    window,
    zone,
    zone_label,
)

BERLIN = zone("Europe/Berlin")


@pytest.mark.parametrize("minutes, words", [
    (1, "about 1 minute"), (15, "about 15 minutes"), (60, "about an hour"),
    (90, "about an hour and a half"), (75, "about an hour and 15 minutes"),
    (120, "about 2 hours"), (150, "about 2 hours and a half")])
def test_durations_read_as_people_say_them(minutes, words):
    assert duration(minutes) == words


@pytest.mark.parametrize("name, label", [
    ("Europe/Berlin", "Berlin time"), ("America/Argentina/Buenos_Aires", "Buenos Aires time"),
    ("UTC", "UTC"), ("Etc/UTC", "UTC"), ("Not/AZone", "UTC"), (None, "UTC")])
def test_a_timezone_is_named_by_its_city_or_as_utc(name, label):
    assert zone_label(zone(name)) == label


def test_a_window_on_one_day_reads_as_a_day_and_two_times():
    assert window("2026-12-10T13:00:00+00:00", "2026-12-10T14:30:00+00:00", BERLIN) == \
        "Thursday 10 December, 14:00–15:30 (Berlin time)"


def test_a_window_across_days_names_both_days():
    assert window(datetime(2026, 12, 10, 22, tzinfo=UTC), datetime(2026, 12, 11, 9, tzinfo=UTC),
                  BERLIN) == "Thursday 10 December 23:00 to Friday 11 December 10:00 (Berlin time)"


def test_a_window_with_one_end_says_from_or_before_and_none_says_nothing():
    assert window("2026-12-10T13:00:00Z", None, BERLIN) == \
        "from Thursday 10 December, 14:00 (Berlin time)"
    assert window(None, "2026-12-10T13:00:00+00:00", BERLIN) == \
        "any time before Thursday 10 December, 14:00 (Berlin time)"
    assert window(None, None, BERLIN) is None


def test_a_moment_crossing_daylight_saving_keeps_the_local_hour():
    assert moment("2026-07-10T12:00:00+00:00", BERLIN) == "Friday 10 July, 14:00 (Berlin time)"


def test_shortening_cuts_at_a_word_and_flattens_lines():
    assert shorten("short", 10) == "short"
    assert shorten("one two\nthree four five six", 14) == "one two three…"
    assert len(shorten("x" * 200, 48)) == 48


def test_quoting_marks_every_line_and_listing_joins_with_and():
    assert quoted("one\n\ntwo\n") == "> one\n>\n> two"
    assert listing(["a"]) == "a" and listing(["a", "b", "c"]) == "a, b and c"
