"""Moderation schemas: a flag, a resolution, sanctions, the queue and the audit log."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from exchange.asks.schemas import PersonSchema
from exchange.moderation.actions import ACTIONS
from exchange.moderation.audit import ACTIONS as AUDIT_ACTIONS
from exchange.moderation.models import REASONS, TARGET_TYPES
from exchange.validation import HANDLE_RE, Chars, Id, Int, QueryInt, Text, no_nul

ROLES = ("member", "moderator", "admin")


NEED_REASON = "Please give a reason in a few kind words: the member may read it."


def _not_blank(value: str) -> None:
    if value and not value.strip():  # an empty one is the length rule's to word
        raise ValidationError(NEED_REASON)


def _reason(required: bool = True) -> fields.String:
    if required:
        return Text(1, 500, required=True, validate=[no_nul, _not_blank], short=NEED_REASON)
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


HANDLE_WORDS = "A handle is 3 to 30 lowercase letters, digits or '_', like sam_reads."


def _handle(**kwargs) -> fields.String:
    return fields.String(validate=validate.Regexp(HANDLE_RE.pattern, error=HANDLE_WORDS),
                         **kwargs)


class AuditQuerySchema(Schema):
    actor = _handle(metadata={"description": "the moderator who acted (their handle)"})
    member = _handle(metadata={
        "description": "entries about this member: on them, or on their asks or messages"})
    action = fields.String(validate=validate.OneOf(
        AUDIT_ACTIONS, error="Please choose one of the kinds of action in the list."))
    target_type = fields.String(validate=[validate.Length(1, 16), no_nul])
    target_id = QueryInt(validate=validate.Range(min=1, max=2**31 - 1))
    since = fields.Date(metadata={"description": "from this day (UTC), included"})
    until = fields.Date(metadata={"description": "to this day (UTC), included"})
    cursor = QueryInt(validate=validate.Range(min=1, max=2**31 - 1))
    limit = QueryInt(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def _order(self, data, **kwargs):
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and until < since:
            raise ValidationError("Please choose an end date on or after the start date.",
                                  "until")


class AuditEntrySchema(Schema):
    id = fields.Integer()
    actor = fields.Nested(PersonSchema, allow_none=True)
    about = fields.Nested(PersonSchema, allow_none=True, metadata={
        "description": "the member the entry is about: the target, or its author"})
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


class MemberFactsSchema(Schema):
    handle = fields.String()
    display_name = fields.String()
    role = fields.String()
    status = fields.String()
    suspended_until = fields.DateTime(allow_none=True)
    hidden = fields.Boolean()
    created_at = fields.DateTime()
    trust_level = fields.Integer(metadata={"description": "0-3, see docs/moderation.md"})


class MemberAskSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    hidden = fields.Boolean()
    created_at = fields.DateTime()


class MemberFlagSchema(QueueFlagSchema):
    target_type = fields.String()
    target_id = fields.Integer()
    status = fields.String()


class MemberViewSchema(Schema):
    member = fields.Nested(MemberFactsSchema)
    may = fields.List(fields.String(), metadata={
        "description": "the actions the calling moderator may take on this member"})
    asks = fields.List(fields.Nested(MemberAskSchema), metadata={"description": "latest 50"})
    flags = fields.List(fields.Nested(MemberFlagSchema), metadata={
        "description": "flags against the member and their content, latest 50"})
    actions = fields.List(fields.Nested(AuditEntrySchema), metadata={
        "description": "audit entries about the member, latest 50"})


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
    helpers_by_weekday = fields.Nested(WeekdaysSchema, metadata={
        "description": "members open to helping with a weekly slot on each weekday"})


class HealthChartSchema(Schema):
    name = fields.String()
    title = fields.String()
    summary = fields.String()
    svg = fields.String(metadata={"description": "an inline SVG image with title and desc"})


class HealthChartsSchema(Schema):
    generated_at = fields.DateTime()
    charts = fields.List(fields.Nested(HealthChartSchema))
