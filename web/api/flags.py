"""Flags: any member reports an ask, a message or a member for review."""

from __future__ import annotations

from flask_smorest import Blueprint

from exchange.moderation import service as moderation
from exchange.moderation.schemas import FlagCreateSchema, FlagSchema
from web.auth import current_member
from web.state import uow

PREFIX = "/flags"
blp = Blueprint("flags", __name__, description="Flag content or a member for moderators")


@blp.route("", methods=["POST"])
@blp.arguments(FlagCreateSchema)
@blp.response(201, FlagSchema)
def create_flag(data):
    unit = uow()
    flag = moderation.flag(unit, actor=current_member(), **data)
    unit.commit()
    return flag
