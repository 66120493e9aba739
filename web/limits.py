"""Per-time-window rate limits with Flask-Limiter.

One table, ``RULES``, says what is limited: (method, route) → a limit, a tighter one for new
members, whose counter (member, address or account) and which responses count. Adding a
limit is one line. A rule whose route does not exist simply never matches.

Counters live in Redis when ``settings.redis_url`` is set, so every web process shares them;
otherwise in this process's memory (tests, a single process). ``EXCHANGE_RATE_LIMITS=off``
switches all of this off. The asks-per-day limit and the open-asks cap are not here: they are
counted from the database in ``exchange.asks.service``.

Failed sign-ins are counted only when a sign-in fails (401), and only within a moving window:
once old failures age out, the right password works again. And a stranger's failures cannot
hold a member up: a successful sign-in leaves a signed *device cookie* naming the member, and
sign-ins that bring it are counted on that device's own counter, not the account's (OWASP,
"Slow Down Online Guessing Attacks with Device Cookies"). An attacker guessing at an account
pauses only the attempts that come without the member's cookie.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from flask import Flask, after_this_request, current_app, g, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded

from exchange.asks.service import is_new_member
from exchange.config import Settings
from exchange.errors import RateLimited
from exchange.members.service import get_by_login
from web import errors
from web.state import uow

API = "/api/v1"
SIGN_IN = (f"{API}/auth/tokens", f"{API}/auth/login")


# --- whose counter -------------------------------------------------------------------------------

def per_address() -> str:
    return f"addr:{request.remote_addr or 'unknown'}"


def per_member() -> str:
    member = g.get("member")
    return f"member:{member.id}" if member is not None else per_address()


def per_account() -> str:
    """The account a sign-in names: by member id when it exists, so switching between handle
    and email does not buy more tries; otherwise by the (hashed, possibly huge) login. Asked
    before the request and again when deducting a failure: looked up once."""
    if "sign_in_key" not in g:
        g.sign_in_key = _account_key()
    return g.sign_in_key


def _account_key() -> str:
    body = request.get_json(silent=True)
    login = body.get("login") if isinstance(body, dict) else None
    if not isinstance(login, str) or not login.strip():
        return per_address()
    member = get_by_login(uow().session, login)
    if member is not None:
        device = known_device(member.id)
        return f"device:{member.id}:{device}" if device else f"account:{member.id}"
    return "login:" + hashlib.sha256(login.strip().lower().encode()).hexdigest()[:32]


def per_submitted_email() -> str:
    """The address a request names (hashed: counters never hold an address), whether or not
    an account has it, so asking about one address from many places is still counted once."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str) or not email.strip():
        return per_address()
    return "email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def names_an_email() -> bool:
    body = request.get_json(silent=True)
    return isinstance(body, dict) and "email" in body


# --- device cookies ------------------------------------------------------------------------------

DEVICE_COOKIE = "exchange_device"
DEVICE_DAYS = 180


def _devices():
    from itsdangerous import URLSafeTimedSerializer
    keys = [*reversed(current_app.config.get("SECRET_KEY_FALLBACKS") or []), current_app.secret_key]
    return URLSafeTimedSerializer(keys, salt="exchange-device")  # signs with the last, the current


def known_device(member_id: int) -> str | None:
    """The id of this browser or client, if it signed in to ``member_id`` before."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie or len(cookie) > 512:
        return None
    from itsdangerous import BadData
    try:
        value = _devices().loads(cookie, max_age=DEVICE_DAYS * 86400)
    except BadData:
        return None
    if not isinstance(value, dict) or value.get("m") != member_id:
        return None
    device = value.get("d")
    return device if isinstance(device, str) else None


def remember_device(member_id: int) -> None:
    """After a successful sign-in: mark this client as the member's (see the module notes)."""
    device = known_device(member_id) or secrets.token_urlsafe(12)
    cookie = _devices().dumps({"m": member_id, "d": device})
    secure = current_app.extensions["exchange"].settings.is_production

    @after_this_request
    def set_cookie(response):
        response.set_cookie(DEVICE_COOKIE, cookie, max_age=DEVICE_DAYS * 86400, httponly=True,
                            samesite="Lax", secure=secure, path=f"{API}/auth")
        return response


# --- which responses count -----------------------------------------------------------------------

def failed_sign_in(response) -> bool:
    return response.status_code == 401


def created(response) -> bool:
    return response.status_code == 201


@dataclass(frozen=True)
class Rule:
    name: str
    method: str
    routes: tuple[str, ...]
    limit: str
    key: Callable[[], str]
    message: str
    new_member_limit: str | None = None
    counts: Callable | None = None  # None: every request counts; else only matching responses
    only_if: Callable[[], bool] | None = None  # None: every request to the route; else these

    def matches(self) -> bool:
        rule = request.url_rule
        return (request.method == self.method and rule is not None
                and _plain(rule.rule) in self.routes
                and (self.only_if is None or self.only_if()))

    def current_limit(self) -> str:
        if self.new_member_limit and self.matches() and _caller_is_new():
            return self.new_member_limit
        return self.limit


RULES: tuple[Rule, ...] = (
    Rule("accepts", "POST", (f"{API}/asks/<ask_id>/accept",), "30 per hour", per_member,
         "Thank you for offering so much help! You've reached this hour's limit on "
         "accepting asks.", new_member_limit="10 per hour"),
    Rule("messages", "POST", (f"{API}/asks/<ask_id>/messages",), "20 per minute", per_member,
         "That's a lot of messages in a minute — take a breath before the next one.",
         new_member_limit="10 per minute"),
    Rule("flags", "POST", (f"{API}/flags",), "20 per day", per_member,
         "Thank you for looking out for others. You've reached today's limit on flags.",
         new_member_limit="5 per day"),
    Rule("sign-in-account", "POST", SIGN_IN, "5 per 30 minutes", per_account,
         "Several sign-ins for this account didn't match, so we're pausing them for a "
         "little while to keep it safe.", counts=failed_sign_in),
    Rule("sign-in-address", "POST", SIGN_IN, "25 per 5 minutes", per_address,
         "Quite a few sign-ins from here didn't match, so we're pausing them for a moment.",
         counts=failed_sign_in),
    Rule("registrations", "POST", (f"{API}/auth/register",), "20 per hour", per_address,
         "Lots of accounts have been made from here in the last hour.", counts=created),
    # Account mail: each request sends an email, so each is counted, per address asked about
    # and per network address. Links themselves are signed, so guessing them gets nowhere;
    # their limits only keep password hashing from being used to load the server.
    Rule("password-reset-email", "POST", (f"{API}/auth/password-reset",), "5 per hour",
         per_submitted_email, "A few links have been asked for that address in the last "
         "hour. If one is on its way, the latest will work; please check your inbox and spam "
         "folder."),
    Rule("password-reset-address", "POST", (f"{API}/auth/password-reset",), "20 per hour",
         per_address, "Quite a few password links have been asked for from here in the last "
         "hour."),
    Rule("password-reset-confirm", "POST", (f"{API}/auth/password-reset/confirm",),
         "20 per hour", per_address, "That's a lot of tries at a new password from here."),
    Rule("email-confirm", "POST", (f"{API}/auth/email/confirm",), "30 per hour", per_address,
         "That's a lot of confirmations from here in the last hour."),
    Rule("email-link-again", "POST", (f"{API}/me/email/verify",), "5 per hour", per_member,
         "We've sent that link a few times in the last hour. The latest one will work; do "
         "check your spam folder too."),
    Rule("email-change", "PATCH", (f"{API}/me",), "5 per hour", per_member,
         "You've changed your address a few times in the last hour; each change sends an "
         "email, so let's pause.", only_if=names_an_email),
)


@cache
def _plain(route: str) -> str:
    """``/asks/<int(min=1, max=2147483647):ask_id>/accept`` → ``/asks/<ask_id>/accept``."""
    return re.sub(r"<(?:[^<>]*:)?(\w+)>", r"<\1>", route)


def _caller_is_new() -> bool:
    member = g.get("member")
    if member is None:
        return False
    if "rate_new_member" not in g:
        g.rate_new_member = is_new_member(uow().session, member)
    return g.rate_new_member


def _application_limit(rule: Rule) -> ApplicationLimit:
    # A changed limit string is a different counter: a member who stops being new starts
    # afresh under the regular limit, which only ever loosens things.
    return ApplicationLimit(
        rule.current_limit, key_function=rule.key, scope=rule.name,
        exempt_when=lambda: not rule.matches(), deduct_when=rule.counts,
        error_message=rule.message)


def init_limits(app: Flask, settings: Settings) -> Limiter:
    """Call after the caller is loaded (``auth.load_caller``): member keys read ``g.member``."""
    storage = settings.redis_url or "memory://"
    limiter = Limiter(
        per_address, application_limits=[_application_limit(r) for r in RULES],
        storage_uri=storage, strategy="moving-window", key_prefix="exchange-limits",
        enabled=settings.rate_limits, headers_enabled=False,
        # Redis down: let requests through (logged) rather than take the whole site down.
        swallow_errors=not storage.startswith("memory"))
    limiter.init_app(app)
    app.extensions["exchange_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, lambda err: _too_many(limiter, err))
    return limiter


def _too_many(limiter: Limiter, err: RateLimitExceeded):
    current = limiter.current_limit
    wait = max(current.reset_at - int(time.time()), 1) if current is not None else 60
    message = f"{err.description} Please try again {_in_about(wait)}."
    return errors.domain_error(RateLimited(message, retry_after=wait))


def _in_about(seconds: int) -> str:
    if seconds < 60:
        return "in a few seconds" if seconds < 10 else f"in about {seconds} seconds"
    minutes = round(seconds / 60)
    if minutes < 60:
        return "in about a minute" if minutes == 1 else f"in about {minutes} minutes"
    hours = round(minutes / 60)
    return "in about an hour" if hours == 1 else f"in about {hours} hours"
