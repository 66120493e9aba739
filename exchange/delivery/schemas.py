"""Schemas for notification settings and push subscriptions (the API's bodies and answers).

A kind's name has a dot (``ask.offered``), and marshmallow reads a dotted attribute as a path,
so each kind is a field named with an underscore whose JSON key is the kind itself; the
``_ByKind`` hooks translate. Every kind is its own property, so the OpenAPI document lists them
all, and a kind the exchange doesn't have is an unknown field (422 naming it).
"""

from __future__ import annotations

from marshmallow import Schema, fields, post_load, pre_dump, validate

from exchange.notifications.models import KINDS
from exchange.notifications.preferences import DIGESTS
from exchange.validation import StrictBoolean, no_nul


def _attr(kind: str) -> str:
    return kind.replace(".", "_")


class ChannelsSchema(Schema):
    live = fields.Boolean(metadata={"description": "on the page while it is open"})
    email = fields.Boolean()
    push = fields.Boolean(metadata={"description": "Web Push, to every browser you turned on"})


class ChannelsPatchSchema(Schema):
    live = StrictBoolean()
    email = StrictBoolean()
    push = StrictBoolean()


class _ByKind(Schema):
    @pre_dump
    def _to_attributes(self, data, **kwargs):
        return {_attr(kind): value for kind, value in data.items()}

    @post_load
    def _to_kinds(self, data, **kwargs):
        back = {_attr(kind): kind for kind in KINDS}
        return {back[name]: value for name, value in data.items()}


def _by_kind(nested: type[Schema], name: str) -> type[Schema]:
    return _ByKind.from_dict({_attr(k): fields.Nested(nested, data_key=k) for k in KINDS},
                             name=name)


KindsSchema = _by_kind(ChannelsSchema, "KindChannels")
KindsPatchSchema = _by_kind(ChannelsPatchSchema, "KindChannelsPatch")


class NotificationSettingsSchema(Schema):
    kinds = fields.Nested(KindsSchema)
    always = fields.List(fields.String(), metadata={
        "description": "kinds that always reach you on every channel (moderators' notices)"})
    digest = fields.String(validate=validate.OneOf(DIGESTS))
    push_details = fields.Boolean(metadata={
        "description": "whether a push may show what an ask or a message says"})


class NotificationSettingsPatchSchema(Schema):
    kinds = fields.Nested(KindsPatchSchema, metadata={
        "description": "only the kinds and channels to change"})
    digest = fields.String(validate=validate.OneOf(DIGESTS))
    push_details = StrictBoolean()


ENDPOINT = [validate.Length(min=1, max=1024), no_nul]


class PushKeysSchema(Schema):
    p256dh = fields.String(
        required=True, validate=[validate.Length(min=1, max=256), no_nul],
        metadata={"description": "the browser's P-256 public key, base64url (65 bytes, "
                                 "uncompressed)"})
    auth = fields.String(
        required=True, validate=[validate.Length(min=1, max=64), no_nul],
        metadata={"description": "the browser's auth secret, base64url (16 bytes)"})


class PushSubscriptionSchema(Schema):
    """What a browser's ``PushSubscription.toJSON()`` gives."""
    endpoint = fields.String(required=True, validate=ENDPOINT, metadata={
        "description": "the push service URL (https; http only outside production)"})
    expiration_time = fields.Integer(
        data_key="expirationTime", strict=True, allow_none=True, load_default=None,
        validate=validate.Range(min=0, max=2**53), metadata={"description": "ignored"})
    keys = fields.Nested(PushKeysSchema, required=True)


class PushEndpointSchema(Schema):
    endpoint = fields.String(required=True, validate=ENDPOINT)


class PushSubscribedSchema(Schema):
    endpoint = fields.String()
    created_at = fields.DateTime()


class VapidKeySchema(Schema):
    public_key = fields.String(metadata={
        "description": "the application server key for PushManager.subscribe (base64url)"})
