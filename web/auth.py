"""Who is calling: a bearer token (API clients) or the session cookie (browsers).

Cookie-authenticated unsafe requests must carry a CSRF token (``X-CSRFToken``); bearer requests
carry no ambient authority, so they need none.
"""

from __future__ import annotations

import hashlib

from flask import abort, current_app, g, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect, validate_csrf

from exchange.clock import utcnow
from exchange.errors import NotAuthenticated
from exchange.members import service as members
from web.state import uow

csrf = CSRFProtect()
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def load_caller() -> None:
    g.member, g.token, g.via = None, None, None
    header = request.headers.get("Authorization", "")
    if header:
        _from_bearer(header)
    elif session.get("member_id"):
        _from_cookie()


def _from_bearer(header: str) -> None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return
    found = members.member_for_token(uow().session, value.strip())
    if found:
        g.member, g.token = found
        g.via = "token"


def _from_cookie() -> None:
    member = members.get_member(uow().session, session["member_id"])
    if member is None or member.status in ("deleted", "banned") \
            or session.get("pw") != fingerprint(member):
        session.clear()
        return
    g.member, g.via = member, "cookie"
    if request.method in UNSAFE:
        _protect()


def _protect() -> None:
    """``csrf.protect()``, also taking a token signed with a retired key: a page opened before
    the secret key was rotated (``EXCHANGE_SECRET_KEY_PREVIOUS``) may still send its form.
    Flask-WTF checks the current key only; every other refusal stands."""
    try:
        csrf.protect()
    except CSRFError as refused:
        retired = current_app.config.get("SECRET_KEY_FALLBACKS") or []
        token = next((request.headers[h] for h in ("X-CSRFToken", "X-CSRF-Token")
                      if request.headers.get(h)), None) or request.form.get("csrf_token")
        if not retired or not token:
            raise
        for key in retired:
            try:
                validate_csrf(token, secret_key=key)
                return
            except Exception:  # noqa: BLE001 - ValidationError for any other key or a bad token
                continue
        raise refused from None


def fingerprint(member) -> str:
    """Changes when the password does, so a password change signs out other browsers."""
    return hashlib.sha256((member.password_hash or "").encode()).hexdigest()[:16]


def current_member():
    if g.get("member") is None:
        raise NotAuthenticated("Please sign in first.")
    return g.member


def start_session(member) -> None:
    session.clear()
    session["member_id"] = member.id
    session["pw"] = fingerprint(member)
    session["at"] = utcnow().isoformat()
    session.permanent = True


def end_session() -> None:
    session.clear()


def current_token_id() -> int:
    if g.get("token") is None:
        abort(400, "This request was not made with a token.")
    return g.token.id
