"""The community view: minutes exchanged, two-way members, how fast asks find help."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from exchange import stats
from exchange.policy import can
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
    online_now = fields.Integer(metadata={
        "description": "moderators only: members connected right now (Socket.IO presence)"})


@blp.route("/community")
class Community(MethodView):
    @blp.response(200, CommunitySchema)
    def get(self):
        member = current_member()
        view = stats.community(uow().session)
        presence = current_app.extensions["sockets"].presence
        if can(member, "see_presence") and presence is not None:
            view["online_now"] = presence.count()
        return view
