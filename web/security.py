"""Security headers, cookies and allowed origins (CONTRACT §14, issue 13).

Every response carries a strict Content-Security-Policy — scripts from this origin only (the
page scripts are ES modules with no inline script, ARCHITECTURE habit 11), no plugins, no
framing (the moderation buttons cannot be put under a stranger's page), no ``<base>`` — plus
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``. The socket connects
to this origin (``connect-src 'self'`` and the same host over ``ws:``/``wss:``, which older
browsers do not count as 'self'). rq-dashboard's pages (admins only) build their rows with
underscore templates, which need ``'unsafe-eval'``; nothing else is relaxed for them.

In production (``EXCHANGE_ENV=production``) the session cookie — which also holds the CSRF
token, Flask-WTF keeps it in the session — is ``__Host-session``: ``Secure``, ``HttpOnly``,
``SameSite=Lax``, ``Path=/`` and no ``Domain``, so no other host or plain-HTTP page can set or
read it; and ``Strict-Transport-Security`` tells browsers to use HTTPS for a year.

Origins: a browser from another origin may neither open a socket nor read an API answer,
unless ``EXCHANGE_ALLOWED_ORIGINS`` names it. The site's own origin (the request's host) is
always allowed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request

from exchange.config import Settings

POLICY = ("default-src 'self'; script-src 'self'{eval}; object-src 'none'; "
          "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
          "connect-src 'self' ws://{host} wss://{host}")
HSTS = "max-age=31536000; includeSubDomains"
PRODUCTION_SESSION_COOKIE = "__Host-session"
DASHBOARD = "rq_dashboard"
PREFLIGHT_HEADERS = "Authorization, Content-Type, X-CSRFToken, X-Request-ID"


def policy(host: str, *, allow_eval: bool = False) -> str:
    return POLICY.format(host=host, eval=" 'unsafe-eval'" if allow_eval else "")


def cookie_config(settings: Settings) -> dict:
    """Flask's session cookie settings: ``__Host-``, Secure in production."""
    config = dict(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                  SESSION_COOKIE_SECURE=settings.is_production, SESSION_COOKIE_PATH="/",
                  SESSION_COOKIE_DOMAIN=None)
    if settings.is_production:
        config["SESSION_COOKIE_NAME"] = PRODUCTION_SESSION_COOKIE
    return config


def add_headers(response):
    host = request.host
    response.headers.setdefault(
        "Content-Security-Policy", policy(host, allow_eval=request.blueprint == DASHBOARD))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    settings = current_app.extensions["exchange"].settings
    if settings.is_production:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    origin = request.headers.get("Origin")
    if origin and origin in settings.allowed_origins and not same_origin(origin, host):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers.add("Vary", "Origin")
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
            response.headers["Access-Control-Allow-Headers"] = PREFLIGHT_HEADERS
    return response


def same_origin(origin: str, host: str) -> bool:
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


def origin_allowed(settings: Settings):
    """Socket.IO's ``cors_allowed_origins`` check: the site's own host, or a listed origin."""
    def check(origin: str, environ: dict) -> bool:
        return origin in settings.allowed_origins or same_origin(
            origin, environ.get("HTTP_HOST", ""))
    return check


def init_security(app: Flask, settings: Settings) -> None:
    app.config.update(cookie_config(settings))
    app.after_request(add_headers)
