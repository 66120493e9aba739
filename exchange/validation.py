"""Shared field types for the schemas: tags, handles, IANA timezones, bounded integers.

marshmallow 4: validators must raise (a returned False is ignored), and integers are strict so
``2.5`` or ``"3"`` are refused rather than coerced.
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


def validate_timezone(value: str) -> None:
    if value not in _zones():
        raise ValidationError("Use an IANA timezone name such as 'Europe/Berlin' or 'UTC'.")
    ZoneInfo(value)


class Tag(fields.String):
    """A lowercase tag ``[a-z0-9-]{1,32}``; input is lowercased and trimmed first."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if not TAG_RE.match(value):
            raise ValidationError("Tags are 1-32 characters of a-z, 0-9 and '-'.")
        return value


def tag_list(max_items: int, **kwargs) -> fields.List:
    return fields.List(Tag(), validate=[validate.Length(max=max_items), _unique], **kwargs)


def _unique(values) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Each tag only once, please.")


def _with(rule, extra) -> list:
    if extra is None:
        return [rule]
    return [rule, *(extra if isinstance(extra, list | tuple) else [extra])]


def Int(low: int, high: int, **kwargs) -> fields.Integer:  # noqa: N802
    rule = validate.Range(min=low, max=high)
    return fields.Integer(strict=True, validate=_with(rule, kwargs.pop("validate", None)),
                          **kwargs)


def Text(low: int, high: int, **kwargs) -> fields.String:  # noqa: N802
    rule = validate.Length(min=low, max=high)
    return fields.String(validate=_with(rule, kwargs.pop("validate", None)), **kwargs)


def Id(**kwargs) -> fields.Integer:  # noqa: N802
    return Int(1, MAX_ID, **kwargs)


def no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("Text cannot contain NUL characters.")


class StrictBoolean(fields.Boolean):
    """Only JSON ``true``/``false``: ``"yes"`` or ``1`` is a type error, not a guess."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Not a valid boolean.")
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
            raise ValidationError("Not a valid whole number.")
        return super()._deserialize(value, attr, data, **kwargs)
