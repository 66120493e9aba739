"""Moderation schemas: a flag, a resolution, sanctions, the queue and the audit log."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from exchange.asks.schemas import PersonSchema
from exchange.moderation.actions import ACTIONS
from exchange.moderation.models import REASONS, TARGET_TYPES
from exchange.validation import HANDLE_RE, Chars, Id, Int, QueryInt, Text, no_nul

ROLES = ("member", "moderator", "admin")


def _reason(required: bool = True) -> fields.String:
    if required:
        return Text(1, 500, required=True, validate=no_nul,
                    short="Please give a reason in a few kind words: the member may read it.")
    return fields.String(load_default="", validate=[Chars(max=500), no_nul])


class FlagCreateSchema(Schema):
    target_type = fields.String(required=True, validate=validate.OneOf(TARGET_TYPES))
    target_id = Id(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(REASONS))
    note = fields.String(load_default="", validate=[Chars(max=500), no_nul])


class FlagSchema(Schema):
    id = fields.Integer()
    target_type = fields.String()
    target_id = fields.Integer()
    reason = fields.String()
    note = fields.String()
    weight = fields.Integer()
    status = fields.String()
    created_at = fields.DateTime()


class ResolveSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = _reason()
    days = Int(1, 365, allow_none=True, load_default=None)

    @validates_schema
    def _days(self, data, **kwargs):
        if data["action"] == "suspend" and data.get("days") is None:
            raise ValidationError("Please say for how many days, from 1 to 365.", "days")


class ReasonSchema(Schema):
    reason = _reason(required=False)


class SuspendSchema(Schema):
    days = Int(1, 365, required=True)
    reason = _reason()


class ReinstateSchema(Schema):
    reason = _reason()


class RoleSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    reason = _reason(required=False)


class QueueQuerySchema(Schema):
    status = fields.String(load_default="open",
                           validate=validate.OneOf(("open", "upheld", "dismissed")))


class QueueFlagSchema(Schema):
    id = fields.Integer()
    reason = fields.String()
    note = fields.String()
    weight = fields.Integer()
    flagger = fields.Nested(PersonSchema, allow_none=True)
    created_at = fields.DateTime()


class QueueItemSchema(Schema):
    target_type = fields.String()
    target_id = fields.Integer()
    target = fields.Dict(allow_none=True)
    weight = fields.Integer()
    hidden = fields.Boolean()
    flags = fields.List(fields.Nested(QueueFlagSchema))
    author_history = fields.Dict()
    claimed_by = fields.Nested(PersonSchema, allow_none=True)


class QueueSchema(Schema):
    items = fields.List(fields.Nested(QueueItemSchema))


class ResolvedSchema(Schema):
    resolved = fields.List(fields.Integer())
    action = fields.String()


class ClaimSchema(Schema):
    flag_id = fields.Integer()
    claimed_by = fields.Nested(PersonSchema)
    claimed_at = fields.DateTime()


class MemberStatusSchema(Schema):
    handle = fields.String()
    role = fields.String()
    status = fields.String()
    suspended_until = fields.DateTime(allow_none=True)


class AuditQuerySchema(Schema):
    actor = fields.String(validate=validate.Regexp(HANDLE_RE.pattern))
    action = fields.String(validate=[validate.Length(1, 32), no_nul])
    target_type = fields.String(validate=[validate.Length(1, 16), no_nul])
    target_id = QueryInt(validate=validate.Range(min=1, max=2**31 - 1))
    cursor = QueryInt(validate=validate.Range(min=1, max=2**31 - 1))
    limit = QueryInt(load_default=50, validate=validate.Range(min=1, max=200))


class AuditEntrySchema(Schema):
    id = fields.Integer()
    actor = fields.Nested(PersonSchema, allow_none=True)
    action = fields.String()
    target_type = fields.String()
    target_id = fields.Integer()
    reason = fields.String()
    data = fields.Dict()
    created_at = fields.DateTime()
    hash = fields.String()


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    next_cursor = fields.Integer(allow_none=True)


class TransferSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    reverses_id = fields.Integer(allow_none=True)
    minutes = fields.Integer()
    reason = fields.String()
    created_at = fields.DateTime()


class HealthQuerySchema(Schema):
    weeks = QueryInt(load_default=8, validate=validate.Range(min=1, max=52),
                     metadata={"description": "how many weeks of flags to count"})


class WaitingSchema(Schema):
    tag = fields.String()
    asks = fields.Integer()
    under_1h = fields.Integer()
    from_1h_to_1d = fields.Integer()
    from_1d_to_1w = fields.Integer()
    over_1w = fields.Integer()
    oldest_wait_seconds = fields.Float()


class WeekdaysSchema(Schema):
    mon, tue, wed, thu = fields.Integer(), fields.Integer(), fields.Integer(), fields.Integer()
    fri, sat, sun = fields.Integer(), fields.Integer(), fields.Integer()


class SupplySchema(Schema):
    skill = fields.String()
    helpers = fields.Integer()
    by_weekday = fields.Nested(WeekdaysSchema)


class FlagWeekSchema(Schema):
    week_start = fields.Date()
    flags = fields.Integer()


class HealthSchema(Schema):
    generated_at = fields.DateTime()
    waiting = fields.List(fields.Nested(WaitingSchema), metadata={
        "description": "open asks waiting for a helper, per tag, by age"})
    supply = fields.List(fields.Nested(SupplySchema), metadata={
        "description": "members offering each skill, and per weekday of their slots"})
    median_seconds_to_first_offer = fields.Float(allow_none=True)
    median_seconds_to_match = fields.Float(allow_none=True)
    flags_per_week = fields.List(fields.Nested(FlagWeekSchema))
