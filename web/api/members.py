"""Public profiles and blocks."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from exchange.asks.thanks import thanks_for_helper
from exchange.ledger import service as ledger
from exchange.members import service as members
from exchange.members.schemas import PublicMemberSchema
from web.auth import current_member
from web.state import uow

PREFIX = "/members"
blp = Blueprint("members", __name__, description="Other members' public profiles, blocks")
HANDLE = "<string(minlength=1, maxlength=40):handle>"


def public_profile(session, member) -> dict:
    thanks = thanks_for_helper(session, member.id)
    names = members.names_by_id(session, {t.author_id for t in thanks})
    return {
        "id": member.id, "handle": member.handle, "display_name": member.display_name,
        "bio": member.bio,
        "skills": member.skill_tags, "role": member.role, "created_at": member.created_at,
        **ledger.totals(session, member.id),
        "thanks_received": [
            {"ask_id": t.ask_id, "from_handle": names[t.author_id][0],
             "from_display_name": names[t.author_id][1], "message": t.message,
             "impact": t.impact, "created_at": t.created_at}
            for t in thanks],
    }


@blp.route(f"/{HANDLE}")
class Profile(MethodView):
    @blp.response(200, PublicMemberSchema)
    def get(self, handle):
        session = uow().session
        member = members.access_member(session, actor=current_member(), handle=handle)
        return public_profile(session, member)


@blp.route(f"/{HANDLE}/block")
class BlockView(MethodView):
    @blp.response(204)
    def post(self, handle):
        unit = uow()
        members.block(unit, actor=current_member(), handle=handle)
        unit.commit()

    @blp.response(204)
    def delete(self, handle):
        unit = uow()
        members.unblock(unit, actor=current_member(), handle=handle)
        unit.commit()
