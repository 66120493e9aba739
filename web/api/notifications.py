"""Stored notifications, oldest first; the same rows the socket pushes and replays."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from exchange.members.service import require_active
from exchange.notifications import service as notes
from exchange.notifications.schemas import (
    MarkedSchema,
    MarkReadSchema,
    NotificationListSchema,
    NotificationQuerySchema,
    RecentQuerySchema,
    RecentSchema,
)
from web.auth import current_member
from web.state import uow

PREFIX = "/notifications"
blp = Blueprint("notifications", __name__, description="Your notifications")


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(NotificationQuerySchema, location="query")
    @blp.response(200, NotificationListSchema)
    def get(self, query):
        rows = notes.list_after(uow().session, member_id=current_member().id, **query)
        return {"items": rows}


@blp.route("/recent")
class Recent(MethodView):
    @blp.arguments(RecentQuerySchema, location="query")
    @blp.response(200, RecentSchema)
    def get(self, query):
        """The latest notifications, newest first, and how many are unread: the history a page
        shows after a reload (the live stream only brings what comes next)."""
        session, member = uow().session, current_member()
        return {"items": notes.recent(session, member_id=member.id, limit=query["limit"]),
                "unread": notes.unread_count(session, member_id=member.id)}


@blp.route("/read")
class Read(MethodView):
    @blp.arguments(MarkReadSchema)
    @blp.response(200, MarkedSchema)
    def post(self, data):
        unit = uow()
        member = current_member()
        require_active(member)  # a suspended member gets 403 on every write, this one too
        marked = notes.mark_read(unit, member_id=member.id, **data)
        unit.commit()
        return {"marked": marked}
