"""Reaching you off the page: notification settings, this browser's Web Push subscription,
and the key browsers subscribe with.

The public key is read once per app, on first use (generating the instance folder's key if
none is configured); a production app has read it at start (``load_vapid_key``), so a
deployment that cannot have a key refuses to start instead of failing here.
"""

from __future__ import annotations

import threading

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from exchange.adapters.webpush import load_private_key, public_key_of
from exchange.delivery import reach, subscriptions
from exchange.delivery.schemas import (
    NotificationSettingsPatchSchema,
    NotificationSettingsSchema,
    PushEndpointSchema,
    PushSubscribedSchema,
    PushSubscriptionSchema,
    VapidKeySchema,
)
from web.auth import current_member
from web.state import uow

PREFIX = ""
blp = Blueprint("reach", __name__, description="How the exchange reaches you off the page: "
                "notification settings and Web Push")
_key_lock = threading.Lock()


def load_vapid_key(app) -> str:
    """This app's VAPID public key (base64url), read once."""
    with _key_lock:
        if "vapid_public_key" not in app.extensions:
            key = load_private_key(app.extensions["exchange"].settings)
            app.extensions["vapid_public_key"] = public_key_of(key)
        return app.extensions["vapid_public_key"]


@blp.route("/me/notification-settings")
class NotificationSettings(MethodView):
    @blp.response(200, NotificationSettingsSchema)
    def get(self):
        return reach.settings_of(uow().session, current_member())

    @blp.arguments(NotificationSettingsPatchSchema)
    @blp.response(200, NotificationSettingsSchema)
    def patch(self, changes):
        unit = uow()
        result = reach.change_settings(unit, actor=current_member(), **changes)
        unit.commit()
        return result


@blp.route("/me/push-subscriptions")
class PushSubscriptions(MethodView):
    @blp.arguments(PushSubscriptionSchema)
    @blp.response(201, PushSubscribedSchema)
    def post(self, body):
        unit = uow()
        row = subscriptions.subscribe(unit, actor=current_member(), endpoint=body["endpoint"],
                                      user_agent=request.headers.get("User-Agent", ""),
                                      **body["keys"])
        answer = {"endpoint": row.endpoint, "created_at": row.created_at}
        unit.commit()
        return answer

    @blp.arguments(PushEndpointSchema)
    @blp.response(204)
    def delete(self, body):
        unit = uow()
        subscriptions.unsubscribe(unit, actor=current_member(), endpoint=body["endpoint"])
        unit.commit()


@blp.route("/push/vapid-public-key")
class VapidPublicKey(MethodView):
    @blp.doc(security=[])
    @blp.response(200, VapidKeySchema)
    def get(self):
        return {"public_key": load_vapid_key(current_app)}

