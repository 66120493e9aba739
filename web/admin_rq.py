"""rq-dashboard under ``/admin/rq``, for admins signed in with the browser session only.

Everyone else gets a 404, as if nothing were there: the dashboard shows job arguments (member
and ask ids), so its existence is not advertised. It is for looking: deleting is off (a deleted
job's effect is lost for good, its outbox row being marked sent), and its buttons post without
our CSRF token, so the session guard refuses them; requeueing is ``exchange jobs requeue``.
It reads jobs with our JSON serializer; its default, pickle, could not read them.
"""

from __future__ import annotations

from flask import Flask, abort, g, request

from exchange.config import Settings

PREFIX = "/admin/rq"
BLUEPRINT = "rq_dashboard"


def mount_rq_dashboard(app: Flask, settings: Settings) -> None:
    if not settings.redis_url:
        return  # no Redis, no jobs to look at
    import rq_dashboard
    from rq.serializers import JSONSerializer
    from rq_dashboard.web import config, setup_rq_connection

    config.serializer = JSONSerializer
    app.config.update(RQ_DASHBOARD_REDIS_URL=settings.redis_url,
                      RQ_DASHBOARD_DISABLE_DELETE=True)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=PREFIX)
    app.before_request(admins_only)  # after auth.load_caller, which sets g.member
    setup_rq_connection(app)


def admins_only() -> None:
    if request.blueprint != BLUEPRINT:
        return
    member = g.get("member")
    if member is None or g.get("via") != "cookie" or member.role != "admin" \
            or member.status != "active":
        abort(404)
