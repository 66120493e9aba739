"""Weekly availability across daylight-saving changes, with nothing re-saved.

A helper free 18:00-20:00 on Thursdays, local time, is matched to an ask at 18:30-19:30 local
on a Thursday before the clocks change, and at 18:15 and 19:15 local on one after, but not at
17:15 or 20:15 local (one of which a slot fixed in UTC at the old offset would have drifted
to). The profile is saved once, before the change; time-machine moves the clock across it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from exchange.members.timeutil import local_window
from tests.integration.candidate_support import ask, eligible, member, pool, slot

THURSDAY, SUNDAY = 3, 6

# (zone, a Thursday before the change, a Thursday after it)
CHANGES = [
    pytest.param("Europe/Berlin", (2030, 3, 28), (2030, 4, 4), id="berlin-spring"),
    pytest.param("Europe/Berlin", (2030, 10, 24), (2030, 10, 31), id="berlin-autumn"),
    pytest.param("America/New_York", (2030, 3, 7), (2030, 3, 14), id="new-york-spring"),
    pytest.param("America/New_York", (2030, 10, 31), (2030, 11, 7), id="new-york-autumn"),
]


def _local(zone: str, day: tuple[int, int, int], hour: int, minute: int = 0) -> datetime:
    return datetime(*day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _ask_at(make_uow, author: int, start: datetime, minutes: int = 60) -> int:
    return ask(make_uow, author, window_start=start, window_end=start + timedelta(minutes=minutes))


@pytest.mark.parametrize(("zone", "before", "after"), CHANGES)
def test_an_evening_slot_keeps_its_local_hours_across_the_change(make_uow, time_machine, zone,
                                                                 before, after):
    assert _local(zone, before, 18).utcoffset() == _local(zone, after, 18).utcoffset()  # UTC
    assert (datetime(*before, 18, tzinfo=ZoneInfo(zone)).utcoffset()
            != datetime(*after, 18, tzinfo=ZoneInfo(zone)).utcoffset())
    time_machine.move_to(_local(zone, before, 9) - timedelta(days=2), tick=False)
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper", timezone=zone,
                    availability=[slot(THURSDAY, "18:00", "20:00")])
    early = _ask_at(make_uow, author, _local(zone, before, 18, 30))
    assert eligible(make_uow, early) == [helper]
    assert pool(make_uow, early)[0][1].window_day == "Thursday"

    time_machine.move_to(_local(zone, after, 9) - timedelta(days=2), tick=False)
    for hour in (18, 19):  # a slot fixed in UTC would have lost one end or the other
        late = _ask_at(make_uow, author, _local(zone, after, hour, 15), minutes=30)
        assert eligible(make_uow, late) == [helper], hour
        assert pool(make_uow, late)[0][1].window_day == "Thursday"
    for hour in (17, 20):  # ... and gained an hour on the other side
        drifted = _ask_at(make_uow, author, _local(zone, after, hour, 15), minutes=30)
        assert eligible(make_uow, drifted) == [], hour


def test_a_window_across_the_change_itself_ends_on_the_wall_clock(make_uow, time_machine):
    """Saturday 22:00 to Sunday 04:00 in Berlin on the night the clocks go forward is five
    hours long, and still reaches a Sunday 03:30 slot (local 02:00 does not exist)."""
    zone = "Europe/Berlin"
    time_machine.move_to(datetime(2030, 3, 25, 12, tzinfo=UTC), tick=False)
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper", timezone=zone,
                    availability=[slot(SUNDAY, "03:30", "04:30")])
    start, end = _local(zone, (2030, 3, 30), 22), _local(zone, (2030, 3, 31), 4)
    assert end - start == timedelta(hours=5)
    assert local_window((start, end), zone) == (5 * 1440 + 22 * 60, 6 * 1440 + 4 * 60)
    assert eligible(make_uow, _ask_at(make_uow, author, start, minutes=300)) == [helper]
    assert eligible(make_uow, _ask_at(make_uow, author, start, minutes=265)) == []
