"""Local time for members: weekly slots, ask windows in a member's own time, quiet hours.

A weekly slot is kept as the member gave it (weekday, start and end minute, local time). An
ask's window is a pair of UTC instants; whether a slot fits is decided in the member's own
timezone at the window's own instants (``local_window``), so a slot of 18:00-20:00 keeps
meaning 18:00-20:00 local on both sides of a daylight-saving change, with nothing re-saved.
The candidate query does the same conversion in SQL (``exchange.matching.candidates``).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK = 7 * 1440
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def minute_of_week(moment: datetime) -> int:
    moment = moment.astimezone(UTC)
    return moment.weekday() * 1440 + moment.hour * 60 + moment.minute


def slot_to_utc(weekday: int, start: int, end: int, tz: str, ref: datetime) -> tuple[int, int]:
    """A local weekly slot as UTC minutes of the week, at the offset of its next occurrence."""
    zone = ZoneInfo(tz)
    local = ref.astimezone(zone)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    begin = datetime.combine(day, time(0), zone) + timedelta(minutes=start)
    utc_start = minute_of_week(begin)
    return utc_start, utc_start + (end - start)


def window_bounds(start: datetime | None, end: datetime | None, now: datetime):
    """The ask's window as two UTC instants, or None when any slot fits.

    Only a start: the day from it. Only an end: from now. A week or longer: anything fits."""
    if start is None and end is None:
        return None
    start = start or now
    end = end or start + timedelta(days=1)
    if end - start >= timedelta(days=7):
        return None
    return start.astimezone(UTC), end.astimezone(UTC)


def local_minute_of_week(moment: datetime, tz: str) -> int:
    """Minutes since Monday 00:00 of ``moment`` on the wall clock of ``tz``."""
    local = moment.astimezone(ZoneInfo(tz))
    return local.weekday() * 1440 + local.hour * 60 + local.minute


def local_window(bounds: tuple[datetime, datetime], tz: str) -> tuple[int, int]:
    """The window ``bounds`` as minutes of the week on ``tz``'s wall clock: (start, end), end
    past ``WEEK`` when it wraps. A window across a daylight-saving change is an hour longer or
    shorter on the wall clock than in UTC; ``end`` follows the wall clock."""
    start, end = bounds
    begin = local_minute_of_week(start, tz)
    elapsed = int((end - start).total_seconds() // 60)
    shift = (local_minute_of_week(end, tz) - begin - elapsed) % WEEK
    shift = (shift + WEEK // 2) % WEEK - WEEK // 2  # the wall clock's jump, -12h..+12h
    return begin, begin + elapsed + shift


def slot_range(weekday: int, start: int, end: int) -> tuple[int, int]:
    """A local weekly slot as local minutes of the week."""
    return weekday * 1440 + start, weekday * 1440 + end


def window_ranges(start: datetime | None, end: datetime | None, now: datetime):
    """The ask's window as UTC minute-of-week ranges, or None when any slot fits.

    Only a start: the day from it. Only an end: from now. A week or longer: anything fits."""
    if start is None and end is None:
        return None
    start = start or now
    end = end or start + timedelta(days=1)
    if end - start >= timedelta(days=7):
        return None
    begin = minute_of_week(start)
    return begin, begin + int((end - start).total_seconds() // 60)


def overlaps(slot: tuple[int, int], window: tuple[int, int]) -> bool:
    """Do two minute-of-week ranges overlap, allowing either to wrap past the week's end?"""
    return any(slot[0] + k * WEEK < window[1] and slot[1] + k * WEEK > window[0]
               for k in (-1, 0, 1))


def in_quiet_hours(quiet_start: int | None, quiet_end: int | None, tz: str,
                   now: datetime) -> bool:
    if quiet_start is None or quiet_end is None:
        return False
    local = now.astimezone(ZoneInfo(tz))
    minute = local.hour * 60 + local.minute
    if quiet_start < quiet_end:
        return quiet_start <= minute < quiet_end
    return minute >= quiet_start or minute < quiet_end


def quiet_ends_at(quiet_start: int, quiet_end: int, tz: str, now: datetime) -> datetime:
    """The next moment quiet hours end (UTC), for rescheduling a reminder."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    end = datetime.combine(local.date(), time(0), zone) + timedelta(minutes=quiet_end)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)
