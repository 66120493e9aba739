"""Ask schemas: the composer's input, the ask as the API (and every ``ask.*`` push) shows it."""

from __future__ import annotations

from datetime import timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from exchange.asks.coaching import coach, hints_as_dicts
from exchange.clock import utcnow
from exchange.validation import (
    Chars,
    Int,
    QueryInt,
    Text,
    UTCDateTime,
    no_nul,
    tag_list,
)

MAX_AHEAD = timedelta(days=14)


def _when():
    return UTCDateTime(allow_none=True)


class AskCreateSchema(Schema):
    title = Text(8, 120, required=True, validate=no_nul,
                 short="A few more words, please: a title of at least 8 characters says what "
                       "would help.")
    details = fields.String(load_default="", validate=[Chars(max=2000), no_nul])
    tags = tag_list(5, load_default=list)
    minutes = Int(5, 120, required=True, metadata={"description": "estimate, 5-120 minutes"})
    window_start = _when()
    window_end = _when()
    mode = fields.String(load_default="online", validate=validate.OneOf(("online", "in_person")))
    area = fields.String(allow_none=True, validate=[Chars(max=64), no_nul])

    @validates_schema
    def _window(self, data, **kwargs):
        start, end = data.get("window_start"), data.get("window_end")
        now = utcnow()
        if end is not None and end > now + MAX_AHEAD:
            raise ValidationError("Keep it within the next 14 days.", "window_end")
        if end is not None and end <= now:
            raise ValidationError("Please choose an end that is still ahead.", "window_end")
        if start is not None and end is not None and start >= end:
            raise ValidationError("Please end the window after it starts.", "window_end")
        if start is not None and start > now + MAX_AHEAD:
            raise ValidationError("Keep it within the next 14 days.", "window_start")

    @validates_schema
    def _area(self, data, **kwargs):
        if data.get("mode") == "in_person" and not (data.get("area") or "").strip():
            raise ValidationError("Please name a town or district, so nearby helpers can find it.",
                                  "area")


def thanks_payload(thanks, author=None) -> dict:
    """Thanks as the API and its notification show them; ``author`` (the asker) adds who."""
    said = {"id": thanks.id, "ask_id": thanks.ask_id, "message": thanks.message,
            "impact": thanks.impact, "created_at": thanks.created_at.isoformat()}
    if author is not None:
        said["from"] = {"handle": author.handle, "display_name": author.display_name}
    return said


class PersonSchema(Schema):
    handle = fields.String()
    display_name = fields.String()


class HintSchema(Schema):
    code = fields.String()
    message = fields.String()


class AskSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    details = fields.String()
    tags = fields.List(fields.String())
    minutes = fields.Integer()
    actual_minutes = fields.Integer(allow_none=True)
    window_start = fields.DateTime(allow_none=True)
    window_end = fields.DateTime(allow_none=True)
    mode = fields.String()
    area = fields.String(allow_none=True)
    status = fields.String()
    hidden = fields.Boolean()
    auto_confirmed = fields.Boolean()
    author = fields.Nested(PersonSchema)
    helper = fields.Nested(PersonSchema, allow_none=True)
    coaching = fields.Method("_coaching", metadata={"description": "kind hints; never blocking"})
    thanks = fields.Method("_thanks", metadata={
        "description": "the asker's thanks once sent (only a confirmed ask can have them); "
                       "null until then"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    matched_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)

    def _thanks(self, ask):
        return _thanks_of(ask)

    def _coaching(self, ask):
        return _coaching_of(ask)


def _thanks_of(ask) -> dict | None:
    if ask.status != "confirmed" or ask.thanks is None:
        return None
    return thanks_payload(ask.thanks)


def _coaching_of(ask) -> list[dict]:
    hints = coach(ask.title, ask.details, minutes=ask.minutes, window_start=ask.window_start,
                  window_end=ask.window_end, tags=ask.tags)
    return hints_as_dicts(hints)


def _person(member) -> dict | None:
    return None if member is None else {"handle": member.handle,
                                        "display_name": member.display_name}


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


def dump_ask(ask) -> dict:
    """The ask exactly as the API returns it (``AskSchema``, which documents it); ``ask.*``
    notifications and every list page carry this. ``AskSchema``'s fields written out: a page of
    20 asks is dumped for every read, and marshmallow's field-by-field dump was about a
    seventh of the read's CPU. ``tests/unit/test_ask_dump.py`` holds the two equal for every
    shape of ask."""
    return {
        "id": ask.id, "title": ask.title, "details": ask.details, "tags": list(ask.tags),
        "minutes": ask.minutes, "actual_minutes": ask.actual_minutes,
        "window_start": _iso(ask.window_start), "window_end": _iso(ask.window_end),
        "mode": ask.mode, "area": ask.area, "status": ask.status, "hidden": ask.hidden,
        "auto_confirmed": ask.auto_confirmed, "author": _person(ask.author),
        "helper": _person(ask.helper), "coaching": _coaching_of(ask),
        "thanks": _thanks_of(ask), "created_at": _iso(ask.created_at),
        "updated_at": _iso(ask.updated_at), "matched_at": _iso(ask.matched_at),
        "delivered_at": _iso(ask.delivered_at), "closed_at": _iso(ask.closed_at),
    }


class AskPageSchema(Schema):
    items = fields.List(fields.Nested(AskSchema))
    next_cursor = fields.Integer(allow_none=True)


class AskQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(
        ("open", "matched", "delivered", "confirmed", "cancelled", "expired")))
    tag = fields.String(validate=validate.Regexp(r"^[a-z0-9-]{1,32}$"))
    mine = fields.String(validate=validate.OneOf(("asked", "helping")))
    for_me = fields.Boolean()
    cursor = QueryInt(validate=validate.Range(min=1, max=2**31 - 1))
    limit = QueryInt(load_default=20, validate=validate.Range(min=1, max=100))


class ConfirmSchema(Schema):
    minutes = Int(1, 240, allow_none=True,
                  metadata={"description": "actual minutes; default is the estimate"})


class ThanksCreateSchema(Schema):
    message = Text(1, 2000, required=True, validate=no_nul)
    impact = fields.String(load_default="", validate=[Chars(max=2000), no_nul])


class ThanksSchema(Schema):
    id = fields.Integer()
    ask_id = fields.Integer()
    message = fields.String()
    impact = fields.String()
    created_at = fields.DateTime()


class MessageCreateSchema(Schema):
    body = Text(1, 2000, required=True, validate=no_nul)


class MessageSchema(Schema):
    id = fields.Integer()
    ask_id = fields.Integer()
    author = fields.Nested(PersonSchema)
    body = fields.String()
    created_at = fields.DateTime()


class MessageListSchema(Schema):
    items = fields.List(fields.Nested(MessageSchema))


class DraftQuerySchema(Schema):
    """An ask being written, as the composer sends it for coaching (a GET: nothing is kept)."""

    title = fields.String(load_default="", validate=[Chars(max=120), no_nul])
    details = fields.String(load_default="", validate=[Chars(max=2000), no_nul])
    tags = tag_list(5, load_default=list)
    minutes = QueryInt(validate=validate.Range(
        min=5, max=120, error="Please choose a number from {min} to {max}."))
    window_start = _when()
    window_end = _when()


class DraftCoachingSchema(Schema):
    hints = fields.List(fields.Nested(HintSchema))


class ExpectationQuerySchema(Schema):
    tags = tag_list(5, load_default=list)


class OutlookSchema(Schema):
    tag = fields.String(allow_none=True, metadata={"description": "null: the whole community"})
    helpers = fields.Integer(metadata={"description": "members listing the skill, open to help"})
    recent_matches = fields.Integer(metadata={"description": "matched asks in the last 90 days"})
    median_minutes = fields.Float(allow_none=True, metadata={
        "description": "median minutes from posting to the first accept; null with too few"})
    message = fields.String()


class ExpectationSchema(Schema):
    lines = fields.List(fields.Nested(OutlookSchema))
