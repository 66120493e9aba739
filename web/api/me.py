"""The signed-in member: profile, export, deletion, balance and ledger."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from exchange import account
from exchange.ledger import service as ledger
from exchange.members import service as members
from exchange.members.schemas import (
    EmailStatusSchema,
    MemberSelfSchema,
    ProfileUpdateSchema,
    TotalsSchema,
    email_status,
)
from exchange.validation import QueryInt
from web.auth import current_member, end_session
from web.state import uow

PREFIX = "/me"
blp = Blueprint("me", __name__, description="Your own profile, data and ledger")


class EntrySchema(Schema):
    id = fields.Integer()
    transfer_id = fields.Integer()
    amount = fields.Integer(metadata={"description": "+ minutes given, − minutes received"})
    kind = fields.Function(lambda e: e.transfer.kind)
    ask_id = fields.Function(lambda e: e.transfer.ask_id)
    created_at = fields.DateTime()


class EntryPageSchema(Schema):
    items = fields.List(fields.Nested(EntrySchema))
    next_cursor = fields.Integer(allow_none=True)


class PageQuerySchema(Schema):
    cursor = QueryInt(validate=validate.Range(min=1, max=2**31 - 1))
    limit = QueryInt(load_default=50, validate=validate.Range(min=1, max=200))


class ProfileSchema(MemberSelfSchema):
    totals = fields.Method("_totals")
    blocked = fields.Method("_blocked")

    def _totals(self, member):
        return ledger.totals(uow().session, member.id)

    def _blocked(self, member):
        return members.blocked_handles(uow().session, member)


@blp.route("")
class Me(MethodView):
    @blp.response(200, ProfileSchema)
    def get(self):
        return current_member()

    @blp.arguments(ProfileUpdateSchema)
    @blp.response(200, ProfileSchema)
    def patch(self, changes):
        unit = uow()
        member = members.update_profile(unit, actor=current_member(), changes=changes)
        unit.commit()
        return member

    @blp.response(204)
    def delete(self):
        unit = uow()
        account.delete_account(unit, actor=current_member())
        unit.commit()
        end_session()


@blp.route("/export")
class Export(MethodView):
    @blp.response(200)
    def get(self):
        return account.export(uow().session, actor=current_member())


@blp.route("/balance")
class Balance(MethodView):
    @blp.response(200, TotalsSchema)
    def get(self):
        return ledger.totals(uow().session, current_member().id)


@blp.route("/ledger")
class Ledger(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, EntryPageSchema)
    def get(self, query):
        items, nxt = ledger.entries_page(uow().session, member_id=current_member().id,
                                         cursor=query.get("cursor"), limit=query["limit"])
        return {"items": items, "next_cursor": nxt}


LINK_SENT = "We've sent the link again. It can take a minute or two to arrive."
ALREADY_VERIFIED = "Your address is confirmed already; there's nothing more to do."


@blp.route("/email/verify")
class EmailVerify(MethodView):
    @blp.response(202, EmailStatusSchema, description="the link is on its way again")
    @blp.alt_response(200, schema=EmailStatusSchema,
                      description="the address is verified already: nothing was sent")
    def post(self):
        unit = uow()
        actor = current_member()
        sent = members.send_email_link(unit, actor=actor)
        unit.commit()
        if sent:
            return email_status(actor, LINK_SENT)
        return email_status(actor, ALREADY_VERIFIED), 200
