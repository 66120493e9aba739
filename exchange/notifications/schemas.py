from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from exchange.validation import MAX_ID, Id, QueryInt


class NotificationSchema(Schema):
    id = fields.Integer()
    seq = fields.Integer()
    kind = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    data = fields.Dict()


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))


class RecentSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema),
                        metadata={"description": "newest first, in commit order"})
    unread = fields.Integer(metadata={"description": "all of the member's unread notifications"})


class RecentQuerySchema(Schema):
    limit = QueryInt(load_default=20, validate=validate.Range(min=1, max=100))


class NotificationQuerySchema(Schema):
    after = QueryInt(load_default=0, validate=validate.Range(min=0, max=MAX_ID))
    limit = QueryInt(load_default=100, validate=validate.Range(min=1, max=500))


class MarkReadSchema(Schema):
    ids = fields.List(Id(), validate=validate.Length(min=1, max=500))
    up_to = Id()

    @validates_schema
    def _one_of(self, data, **kwargs):
        if ("ids" in data) == ("up_to" in data):
            raise ValidationError("Give either 'ids' or 'up_to'.", "_schema")


class MarkedSchema(Schema):
    marked = fields.Integer()
