"""Registration, API tokens, browser sign-in, and the links from account mail: a password
reset asked for and carried out, an address confirmed. These need no session: the link's
signed token is the authority."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import Schema, fields

from exchange.members import addresses, recovery
from exchange.members import service as members
from exchange.members.schemas import (
    LinkTokenSchema,
    MemberSelfSchema,
    NoticeSchema,
    PasswordResetRequestSchema,
    PasswordResetSchema,
    RegisterSchema,
    TokenRequestSchema,
    TokenSchema,
)
from web.auth import current_member, current_token_id, end_session, start_session
from web.limits import remember_device
from web.state import uow

PREFIX = "/auth"
blp = Blueprint("auth", __name__, description="Sign up, tokens and browser sessions")


class SessionSchema(Schema):
    member = fields.Nested(MemberSelfSchema)
    csrf_token = fields.String(metadata={"description": "send as X-CSRFToken on unsafe requests"})


class CsrfSchema(Schema):
    csrf_token = fields.String()


@blp.route("/register")
class Register(MethodView):
    @blp.arguments(RegisterSchema)
    @blp.response(201, MemberSelfSchema)
    def post(self, data):
        unit = uow()
        member = members.register(unit, **data)
        unit.commit()
        return member


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    def post(self, data):
        unit = uow()
        member = members.check_password(unit, **data)
        token = members.issue_token(unit, member=member)
        unit.commit()
        remember_device(member.id)
        return {"token": token, "member": member}


@blp.route("/tokens/current")
class CurrentToken(MethodView):
    @blp.response(204)
    def delete(self):
        unit = uow()
        members.revoke_token(unit, actor=current_member(), token_id=current_token_id())
        unit.commit()


@blp.route("/login")
class Login(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, SessionSchema)
    def post(self, data):
        member = members.check_password(uow(), **data)
        start_session(member)
        remember_device(member.id)
        return {"member": member, "csrf_token": generate_csrf()}


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    def post(self):
        end_session()


@blp.route("/csrf")
class Csrf(MethodView):
    @blp.response(200, CsrfSchema)
    def get(self):
        return {"csrf_token": generate_csrf()}


RESET_ASKED = ("If that address belongs to an account here, a link to choose a new password "
               "is on its way to it. It works for an hour; do check your spam folder too.")


@blp.route("/password-reset")
class PasswordReset(MethodView):
    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202, NoticeSchema)
    def post(self, data):
        """The same answer whether or not the address has an account."""
        unit = uow()
        recovery.request_reset(unit, address=data["email"])
        unit.commit()
        return {"message": RESET_ASKED}


@blp.route("/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @blp.arguments(PasswordResetSchema)
    @blp.response(204)
    def post(self, data):
        """Every session and API token of the member ends; the address is told."""
        unit = uow()
        recovery.reset_password(unit, **data)
        unit.commit()


@blp.route("/email/confirm")
class EmailConfirm(MethodView):
    @blp.arguments(LinkTokenSchema)
    @blp.response(204)
    def post(self, data):
        """Open a verify link or a new-address link (either kind); doing it twice is fine."""
        unit = uow()
        addresses.confirm(unit, token=data["token"])
        unit.commit()
