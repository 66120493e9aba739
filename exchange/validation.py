"""Shared field types for the schemas: tags, handles, IANA timezones, bounded integers.

marshmallow 4: validators must raise (a returned False is ignored), and integers are strict so
``2.5`` or ``"3"`` are refused rather than coerced.

Every message here reaches a person: the pages show it beside the field it belongs to. So each
is one short, kind sentence that says what would work ("Please use at least 8 characters."),
never the library's wording ("Shorter than minimum length 8.") and never the field's name (the
field is right there). marshmallow's own defaults are replaced once, on import, for every
schema (``_speak_kindly``); lengths use ``Chars`` (text) or ``Items`` (lists).
"""

from __future__ import annotations

import re
from datetime import UTC
from zoneinfo import ZoneInfo, available_timezones

from marshmallow import ValidationError, fields, validate

TAG_RE = re.compile(r"^[a-z0-9-]{1,32}$")
HANDLE_RE = re.compile(r"^[a-z0-9_]{3,30}$")
MAX_ID = 2**31 - 1
_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


KIND_DEFAULTS: dict[type, dict[str, str]] = {
    fields.Field: {"required": "This one is needed.", "null": "This one is needed.",
                   "validator_failed": "This doesn't look quite right yet; could you check it?"},
    fields.String: {"invalid": "Please write this as text.",
                    "invalid_utf8": "Please write this as text."},
    fields.Number: {"invalid": "Please use a number.", "too_large": "That number is too large."},
    fields.Integer: {"invalid": "Please use a whole number."},
    fields.Email: {"invalid": "That doesn't look like an email address yet, like "
                              "name@example.org."},
    fields.Boolean: {"invalid": "Please choose yes or no."},
    fields.DateTime: {"invalid": "Please give a date and time.",
                      "invalid_awareness": "Please give a date and time."},
    fields.List: {"invalid": "Please give a list."},
}


def _speak_kindly() -> None:
    """marshmallow's default messages, in the product's words, for every field of every schema
    (a field merges its class's ``default_error_messages`` when it is made)."""
    for cls, messages in KIND_DEFAULTS.items():
        cls.default_error_messages = {**cls.default_error_messages, **messages}
    validate.Email.default_message = KIND_DEFAULTS[fields.Email]["invalid"]
    validate.OneOf.default_message = "Please choose one of: {choices}."
    validate.Regexp.default_message = "This doesn't look quite right yet; could you check it?"


_speak_kindly()


class Chars(validate.Length):
    """A text length, said in characters: too short says the least, too long the most (never
    "between", which leaves the person to work out which side they are on)."""

    message_min = "Please use at least {min} characters."
    message_max = "Please keep this to {max} characters or fewer."
    message_equal = "Please use exactly {equal} characters."

    def __init__(self, min=None, max=None, *, short: str | None = None, **kwargs):  # noqa: A002
        super().__init__(min, max, **kwargs)
        if short:
            self.message_min = short

    def __call__(self, value):
        if self.equal is None and self.min is not None and len(value) < self.min:
            raise ValidationError(self._format_error(value, self.message_min))
        if self.equal is None and self.max is not None and len(value) > self.max:
            raise ValidationError(self._format_error(value, self.message_max))
        return super().__call__(value)


class Items(validate.Length):
    """A list's length, said in items."""

    message_min = "Please give at least {min}."
    message_max = "Up to {max}, please."
    message_all = "Please give {min} to {max}."
    message_equal = "Please give exactly {equal}."


def validate_timezone(value: str) -> None:
    if value not in _zones():
        raise ValidationError("Please choose a time zone from the list, like Europe/Berlin.")
    ZoneInfo(value)


class Tag(fields.String):
    """A lowercase tag ``[a-z0-9-]{1,32}``; input is lowercased and trimmed first."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if not TAG_RE.match(value):
            raise ValidationError(
                "A tag is one short word of lowercase letters, digits or '-', like 'cv-writing'.")
        return value


def tag_list(max_items: int, **kwargs) -> fields.List:
    most = Items(max=max_items, error=f"Up to {max_items} tags, please.")
    return fields.List(Tag(), validate=[most, _unique], **kwargs)


def _unique(values) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Each tag only once, please.")


def _with(rule, extra) -> list:
    if extra is None:
        return [rule]
    return [rule, *(extra if isinstance(extra, list | tuple) else [extra])]


def Int(low: int, high: int, **kwargs) -> fields.Integer:  # noqa: N802
    rule = validate.Range(min=low, max=high, error=kwargs.pop(
        "error", "Please choose a number from {min} to {max}."))
    return fields.Integer(strict=True, validate=_with(rule, kwargs.pop("validate", None)),
                          **kwargs)


def Text(low: int, high: int, **kwargs) -> fields.String:  # noqa: N802
    """Text of ``low``-``high`` characters; ``short=`` words the too-short case (a needed text of
    one character at least is "needed", not "1 character")."""
    short = kwargs.pop("short", None) or ("This one is needed." if low <= 1 else None)
    rule = Chars(min=low, max=high, short=short)
    return fields.String(validate=_with(rule, kwargs.pop("validate", None)), **kwargs)


def Id(**kwargs) -> fields.Integer:  # noqa: N802
    return Int(1, MAX_ID, **kwargs)


def no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("This has an invisible control character in it; please retype it.")


class StrictBoolean(fields.Boolean):
    """Only JSON ``true``/``false``: ``"yes"`` or ``1`` is a type error, not a guess."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Please choose yes or no.")
        return value


class UTCDateTime(fields.AwareDateTime):
    """An aware datetime (naive input is taken as UTC), normalised to UTC on the way in.

    An offset can push a legal-looking moment off the calendar (``0001-01-01T00:00+23:00`` is
    in year 0 in UTC): that is a field error, not an ``OverflowError`` deep in the storage."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None


class QueryInt(fields.Integer):
    """An integer from a query string: digits only (no floats, no exponents)."""

    def _deserialize(self, value, attr, data, **kwargs):
        digits = isinstance(value, str) and value.isascii() and value.isdigit()
        if isinstance(value, bool) or not (isinstance(value, int) or digits and len(value) <= 12):
            raise ValidationError("Please use a whole number.")
        return super()._deserialize(value, attr, data, **kwargs)
