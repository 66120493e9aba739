"""The community view: minutes exchanged, two-way members, how fast asks find help."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from exchange import stats
from web.auth import current_member
from web.state import uow

PREFIX = "/stats"
blp = Blueprint("stats", __name__, description="Community view")


class CommunitySchema(Schema):
    members = fields.Integer()
    helps_confirmed = fields.Integer()
    minutes_exchanged = fields.Integer()
    givers = fields.Integer()
    two_way_members = fields.Integer()
    open_asks = fields.Integer()
    median_seconds_to_first_offer = fields.Float(allow_none=True)
    median_seconds_to_match = fields.Float(allow_none=True)


@blp.route("/community")
class Community(MethodView):
    @blp.response(200, CommunitySchema)
    def get(self):
        current_member()
        return stats.community(uow().session)
