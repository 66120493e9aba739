"""Member schemas: registration, sign-in, the own profile (PATCH), public profile, blocks."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from exchange.validation import (
    HANDLE_RE,
    Chars,
    Int,
    Items,
    StrictBoolean,
    Text,
    no_nul,
    tag_list,
    validate_timezone,
)

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


class ClockTime(fields.String):
    """``HH:MM`` local time, stored as minutes since midnight (``24:00`` = 1440 ends a day)."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not _CLOCK.match(value):
            raise ValidationError("Please use a 24-hour time, like 09:30.")
        hours, minutes = value.split(":")
        return int(hours) * 60 + int(minutes)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return f"{value // 60:02d}:{value % 60:02d}"


class SlotSchema(Schema):
    weekday = Int(0, 6, required=True, metadata={"description": "0 = Monday … 6 = Sunday"})
    start = ClockTime(required=True)
    end = ClockTime(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["start"] >= data["end"]:
            raise ValidationError("A time slot needs to end after it starts.", "end")


class QuietHoursSchema(Schema):
    start = ClockTime(required=True)
    end = ClockTime(required=True,
                    metadata={"description": "may be earlier than start (overnight)"})

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if data["start"] == data["end"]:
            raise ValidationError("Quiet hours need a start and a different end.", "end")


# Built once for dumping inside other schemas' methods (a schema's construction costs more
# than a dump).
SLOTS = SlotSchema(many=True)
QUIET = QuietHoursSchema()


class RegisterSchema(Schema):
    handle = fields.String(required=True, validate=validate.Regexp(
        HANDLE_RE, error="A handle is 3 to 30 characters: lowercase letters, digits and _, "
                          "like sam_reads."))
    email = fields.Email(required=True, validate=Chars(max=254))
    password = fields.String(required=True, load_only=True, validate=Chars(max=1024))
    display_name = Text(1, 80, required=True, validate=no_nul)
    timezone = fields.String(validate=validate_timezone, metadata={
        "description": "IANA zone; a browser sends its own, so times show as the member lives "
                       "them (default UTC; changeable on the profile)"})

    @pre_load
    def _handle_case(self, data, **kwargs):
        # Handles are case-insensitive: "ALICE" is alice, so it registers as (or collides with)
        # the lowercase handle instead of failing the character check.
        if isinstance(data, dict) and isinstance(data.get("handle"), str):
            data = {**data, "handle": data["handle"].strip().lower()}
        return data


class TokenRequestSchema(Schema):
    login = Text(1, 254, required=True, metadata={"description": "handle or email"})
    password = Text(1, 1024, required=True, load_only=True)


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "shown once; keep it safe"})
    member = fields.Nested("MemberSelfSchema")


class ProfileUpdateSchema(Schema):
    display_name = Text(1, 80, validate=no_nul)
    bio = fields.String(validate=[Chars(max=500), no_nul])
    timezone = fields.String(validate=validate_timezone)
    skills = tag_list(20)
    helping = StrictBoolean()
    capacity = Int(1, 10)
    availability = fields.List(fields.Nested(SlotSchema), validate=Items(max=42))
    quiet_hours = fields.Nested(QuietHoursSchema, allow_none=True)
    area = fields.String(allow_none=True, validate=[Chars(max=64), no_nul])
    email = fields.Email(validate=Chars(max=254), metadata={
        "description": "a new address: it waits as pending_email until the link sent to it "
                       "is opened"})


class TotalsSchema(Schema):
    given_minutes = fields.Integer()
    received_minutes = fields.Integer()
    balance = fields.Integer()
    helps_given = fields.Integer()
    asks_received = fields.Integer()


def shown_email(member) -> str | None:
    """The address the member gave: ``email``, or while they have none (a registration whose
    address waits for confirmation) the pending one — so that answer looks like any other."""
    return member.email or member.pending_email


def shown_pending(member) -> str | None:
    return member.pending_email if member.email else None


class MemberSelfSchema(Schema):
    id = fields.Integer()
    handle = fields.String()
    display_name = fields.String()
    email = fields.Function(shown_email, metadata={"type": "string"})
    email_verified = fields.Boolean(metadata={
        "description": "the address's link was opened; mail about asks goes only to a "
                       "verified address"})
    pending_email = fields.Function(shown_pending, allow_none=True, metadata={
        "type": "string", "description": "a new address waiting for its link to be opened"})
    role = fields.String()
    status = fields.String()
    suspended_until = fields.DateTime(allow_none=True)
    bio = fields.String()
    timezone = fields.String()
    skills = fields.List(fields.String(), attribute="skill_tags")
    helping = StrictBoolean()
    capacity = fields.Integer()
    availability = fields.Method("_slots")
    quiet_hours = fields.Method("_quiet")
    area = fields.String(allow_none=True)
    created_at = fields.DateTime()

    def _slots(self, member):
        return SLOTS.dump([{"weekday": s.weekday, "start": s.start_minute, "end": s.end_minute}
                           for s in member.slots])

    def _quiet(self, member):
        if member.quiet_start is None:
            return None
        return QUIET.dump({"start": member.quiet_start, "end": member.quiet_end})


class PasswordResetRequestSchema(Schema):
    email = fields.Email(required=True, validate=Chars(max=254))

    @pre_load
    def _trim(self, data, **kwargs):
        # Pasted from a mail client, an address often brings a space along.
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            data = {**data, "email": data["email"].strip()}
        return data


class LinkTokenSchema(Schema):
    token = Text(1, 2048, required=True, validate=no_nul,
                 metadata={"description": "the token from the link in the email"})


class PasswordResetSchema(LinkTokenSchema):
    password = fields.String(required=True, load_only=True, validate=Chars(max=1024))


class NoticeSchema(Schema):
    message = fields.String(metadata={"description": "what happened, in words for people"})


class EmailStatusSchema(NoticeSchema):
    email = fields.String()
    email_verified = fields.Boolean()
    pending_email = fields.String(allow_none=True)


def email_status(member, message: str) -> dict:
    return {"message": message, "email": shown_email(member),
            "email_verified": member.email_verified, "pending_email": shown_pending(member)}


class ThanksPublicSchema(Schema):
    ask_id = fields.Integer()
    from_handle = fields.String()
    from_display_name = fields.String()
    message = fields.String()
    impact = fields.String()
    created_at = fields.DateTime()


class PublicMemberSchema(Schema):
    id = fields.Integer(metadata={"description": "for flagging the member (POST /flags)"})
    handle = fields.String()
    display_name = fields.String()
    bio = fields.String()
    skills = fields.List(fields.String())
    role = fields.String()
    created_at = fields.DateTime()
    given_minutes = fields.Integer()
    received_minutes = fields.Integer()
    helps_given = fields.Integer()
    asks_received = fields.Integer()
    thanks_received = fields.List(fields.Nested(ThanksPublicSchema))
