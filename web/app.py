"""``create_app(settings=None)``: the Flask app with the API, pages and error handling."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix

from exchange.adapters.bootstrap import dispatcher_for, hop_trace
from exchange.config import Settings
from exchange.db import Database
from exchange.dispatch import Dispatcher
from web import auth
from web.json_guard import check_json_body
from web.limits import init_limits
from web.observability import init_observability
from web.security import init_security
from web.state import AppState, close_uow


def _note_arrival() -> None:
    g.received_at = time.time()  # for the hop trace of a posted ask (``exchange.ports``)


def create_app(settings: Settings | None = None, *, db: Database | None = None,
               dispatcher: Dispatcher | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # retired keys still open the sessions they signed; nothing new is signed with them
        SECRET_KEY_FALLBACKS=list(reversed(settings.previous_secret_keys)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_HEADERS=["X-CSRFToken", "X-CSRF-Token"],
        MAX_CONTENT_LENGTH=256 * 1024,
        JSON_SORT_KEYS=False,
        TESTING=settings.env == "test",
    )
    init_security(app, settings)  # the session cookie's flags, headers on every response
    app.extensions["exchange"] = AppState(
        settings=settings, db=db or Database(settings.database_url),
        dispatcher=dispatcher or dispatcher_for(settings), hops=hop_trace(settings))
    auth.csrf.init_app(app)
    init_observability(app, settings)  # request ids first, /readyz and /metrics
    app.before_request(_note_arrival)
    app.before_request(auth.load_caller)
    app.before_request(check_json_body)
    init_limits(app, settings)  # after load_caller: member limits are keyed by g.member
    if settings.trusted_proxies:
        # Behind N proxies the client address is in X-Forwarded-For; without this every
        # request would share the proxy's address and its per-address limits.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=0)
    app.teardown_request(close_uow)
    from web.api import init_api
    from web.api.reach import load_vapid_key
    from web.inbox import bp as inbox
    from web.pages import pages
    init_api(app)
    if settings.is_production:
        load_vapid_key(app)  # no usable Web Push key: refuse to start rather than fail later
    app.register_blueprint(pages)
    app.register_blueprint(inbox)
    from web.realtime import init_realtime
    init_realtime(app, settings)
    from web.admin_rq import mount_rq_dashboard
    mount_rq_dashboard(app, settings)
    from web.cli import register_commands
    register_commands(app.cli)  # so ``flask --app web demo`` etc. work as ``exchange demo`` does
    return app
