"""How times, durations and member text read in an email: pure functions, no I/O.

Times are shown in the member's own timezone, named in words ("14:00 (Berlin time)"), and in
UTC, labelled so, when the member's timezone is unknown. Names of days and months are spelled
here rather than taken from the locale, so a worker's locale never changes a message.
Everything accepts what a notification carries: ISO 8601 strings (``data`` is JSON) or aware
datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "GMT", "Etc/GMT", "UCT", "Etc/UCT", "Universal",
                       "Etc/Universal", "Zulu", "Etc/Zulu"})


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def zone_label(tz: ZoneInfo) -> str:
    """"UTC", or the zone's city: "Berlin time", "Buenos Aires time"."""
    key = tz.key
    if key in UTC_NAMES:
        return "UTC"
    if "/" not in key or key.startswith("Etc/"):
        return key
    return key.rsplit("/", 1)[1].replace("_", " ") + " time"


def as_datetime(value) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(moment: datetime) -> str:
    return f"{DAYS[moment.weekday()]} {moment.day} {MONTHS[moment.month - 1]}"


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def moment(value, tz: ZoneInfo) -> str:
    """"Thursday 4 December, 14:00 (Berlin time)"."""
    local = as_datetime(value).astimezone(tz)
    return f"{_day(local)}, {_clock(local)} ({zone_label(tz)})"


def day(value, tz: ZoneInfo) -> str:
    """"Thursday 4 December"."""
    return _day(as_datetime(value).astimezone(tz))


def window(start, end, tz: ZoneInfo) -> str | None:
    """When an ask is for, in words; None when it has no window (any time suits)."""
    begin, finish = as_datetime(start), as_datetime(end)
    label = zone_label(tz)
    if begin and finish:
        a, b = begin.astimezone(tz), finish.astimezone(tz)
        if a.date() == b.date():
            return f"{_day(a)}, {_clock(a)}–{_clock(b)} ({label})"
        return f"{_day(a)} {_clock(a)} to {_day(b)} {_clock(b)} ({label})"
    if begin:
        return f"from {moment(begin, tz)}"
    if finish:
        return f"any time before {moment(finish, tz)}"
    return None


def duration(minutes: int) -> str:
    """"about 15 minutes", "about an hour", "about an hour and a half", "about 2 hours"."""
    hours, rest = divmod(int(minutes), 60)
    if hours == 0:
        return f"about {rest} minute{'s' if rest != 1 else ''}"
    whole = "an hour" if hours == 1 else f"{hours} hours"
    if rest == 0:
        return f"about {whole}"
    if rest == 30:
        return f"about {whole} and a half"
    return f"about {whole} and {rest} minutes"


def minutes(count: int) -> str:
    return f"{count} minute{'s' if count != 1 else ''}"


def oneline(text) -> str:
    """Any run of whitespace (newlines included) as one space: safe for a subject line."""
    return " ".join(str(text).split())


def shorten(text, limit: int) -> str:
    """``text`` on one line, cut at a word boundary with "…" when longer than ``limit``."""
    flat = oneline(text)
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if flat[limit - 1] != " " and " " in cut[limit // 2:]:  # mid-word: drop the part-word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:—-") + "…"


def excerpt(text, limit: int) -> str:
    """Like ``shorten`` but keeps line breaks when short enough (for quoted member text)."""
    text = str(text).strip()
    return text if len(text) <= limit else shorten(text, limit)


def listing(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def quoted(text) -> str:
    """Member text in a plain-text email: every line behind "> ", as mail clients quote."""
    return "\n".join(f"> {line}".rstrip() for line in str(text).strip().splitlines())
