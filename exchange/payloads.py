"""The shape of every notification's ``data``, per kind, checked strictly.

A leaf of the core: it reads the features' own schemas and tables (asks, reminders,
notifications) and nothing in ``exchange`` imports it; the contract tests and live tests check
every stored and pushed notification against it.

Clients build on these payloads, so they are a contract: every field is required (``None`` is
allowed only where the API itself allows it) and unknown fields are refused. Nested shapes are
derived from the API's own dump schemas (``AskSchema``, ``MessageSchema``, ``ThanksSchema``), so
``data.ask`` is held to "the ask as the API returns it" without a second copy to drift.

The moderation kinds (``mod.*``, ``account.suspended``) follow ``exchange.moderation``'s emit
sites (``service.flag``, ``sanctions``).
"""

from __future__ import annotations

import copy

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from exchange.asks.schemas import (
    AskSchema,
    HintSchema,
    MessageSchema,
    PersonSchema,
    ThanksSchema,
)
from exchange.asks.states import TRANSITIONS
from exchange.notifications.models import KINDS
from exchange.reminders.occasions import OCCASIONS

ASK_STATUSES = tuple(sorted({t.target for t in TRANSITIONS.values()} | {"open"}))
FLAG_TARGETS = ("ask", "message", "member")
WARNINGS = ("hidden_pending_review", "warned")
NUDGES = ("pay_it_forward", "try_small_ask")
OFFER_CLOSED_WHY = ("cancelled", "expired", "hidden")


def strict(schema: type[Schema], name: str | None = None, **overrides) -> type[Schema]:
    """A loading twin of a dump schema: every field required, integers strict, nested likewise."""
    declared = {}
    for field_name, field in schema._declared_fields.items():
        field = copy.deepcopy(field)
        if isinstance(field, fields.Nested) and isinstance(field.nested, type):
            field.nested = strict(field.nested)
        if isinstance(field, fields.Integer):
            field.strict = True
        field.required = True
        declared[field_name] = field
    declared.update(overrides)
    declared = {k: f for k, f in declared.items() if f is not None}  # None: left out
    return Schema.from_dict(declared, name=name or f"Strict{schema.__name__}")


def _required(field: fields.Field) -> fields.Field:
    field.required = True
    return field


def _int() -> fields.Integer:
    return fields.Integer(required=True, strict=True)


def _text() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1))


AskPayload = strict(
    AskSchema, name="AskPayload",
    status=_required(fields.String(validate=validate.OneOf(ASK_STATUSES))),
    coaching=fields.List(fields.Nested(strict(HintSchema)), required=True),
    thanks=fields.Nested(strict(ThanksSchema), required=True, allow_none=True),
)
MessagePayload = strict(MessageSchema, name="MessagePayload")
ThanksPayload = strict(ThanksSchema, name="ThanksPayload",
                       sender=fields.Nested(strict(PersonSchema), data_key="from",
                                            required=True))


def _ask() -> fields.Nested:
    return fields.Nested(AskPayload, required=True)


class Data(Schema):
    class Meta:
        unknown = RAISE


class AskData(Data):
    ask = _ask()


class OfferedData(AskData):
    reasons = fields.List(fields.String(), required=True)
    wave = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class ConfirmedData(AskData):
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class AskWithMessageData(AskData):
    message = _text()


class MessageNewData(Data):
    ask_id = _int()
    message = fields.Nested(MessagePayload, required=True)


class ThanksReceivedData(Data):
    ask_id = _int()
    ask_title = _text()
    thanks = fields.Nested(ThanksPayload, required=True)


class ReminderData(AskWithMessageData):
    reminder = fields.String(required=True, validate=validate.OneOf(tuple(OCCASIONS)))


class NudgeData(Data):
    nudge = fields.String(required=True, validate=validate.OneOf(NUDGES))
    message = _text()
    ask = fields.Nested(AskPayload)  # "pay it forward" names the ask; "try a small ask" has none


class FlaggedData(Data):
    """To each moderator: a target's open flags changed (the review queue updates live)."""
    target_type = fields.String(required=True, validate=validate.OneOf(FLAG_TARGETS))
    target_id = _int()
    weight = _int()
    hidden = fields.Boolean(required=True)


class WarningData(Data):
    """To an author: content hidden pending review, or a moderator's warning."""
    action = fields.String(required=True, validate=validate.OneOf(WARNINGS))
    message = _text()
    reason = fields.String()
    target_type = fields.String(validate=validate.OneOf(FLAG_TARGETS))
    target_id = fields.Integer(strict=True)


class AskHiddenData(AskWithMessageData):
    """To an author: a moderator hid their ask, with the moderator's reason."""
    reason = fields.String(required=True)


class OfferClosedData(Data):
    """To a helper still holding an offer of an open ask that closed before anyone took it:
    which ask, why (``cancelled`` by its author, ``expired``, ``hidden`` by a moderator) and
    its title — None when hidden: what a moderator took down is not repeated to others."""
    ask_id = _int()
    why = fields.String(required=True, validate=validate.OneOf(OFFER_CLOSED_WHY))
    title = fields.String(required=True, allow_none=True)


class SuspendedData(Data):
    until = fields.DateTime(required=True)
    reason = fields.String(required=True)
    message = _text()


SCHEMAS: dict[str, type[Schema]] = {
    "ask.offered": OfferedData,
    "ask.taken": AskData,
    "ask.accepted": AskData,
    "ask.withdrawn": AskData,
    "ask.cancelled": AskData,
    "ask.delivered": AskData,
    "ask.confirmed": ConfirmedData,
    "ask.expired": AskWithMessageData,
    "ask.still_open": AskWithMessageData,
    "message.new": MessageNewData,
    "thanks.received": ThanksReceivedData,
    "reminder": ReminderData,
    "nudge": NudgeData,
    "mod.flagged": FlaggedData,
    "mod.warning": WarningData,
    "account.suspended": SuspendedData,
    "ask.hidden": AskHiddenData,
    "offer.closed": OfferClosedData,
}


class Envelope(Data):
    """The pushed (and listed) notification around ``data``."""
    id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    # The member's sequence number: their notifications in commit order, 1, 2, 3…
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(required=True, allow_none=True)
    data = fields.Dict(required=True)


def validate(kind: str, payload) -> dict:
    """Check a notification's ``data`` (``validate(n.kind, n.data)``) against its kind's schema;
    raise ``ValidationError`` on any mismatch, an unknown kind or an unknown field included."""
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise ValidationError(f"unknown notification kind {kind!r}", "kind")
    if not isinstance(payload, dict):
        raise ValidationError("data must be an object", "data")
    return schema().load(payload)


def validate_notification(payload) -> dict:
    """Check a whole pushed notification: the envelope, then its ``data`` for its kind."""
    loaded = Envelope().load(payload)
    validate(loaded["kind"], payload["data"])
    return loaded
