"""The REST API under ``/api/v1`` (flask-smorest), its OpenAPI document at
``/api/v1/openapi.json`` generated from the marshmallow schemas."""

from __future__ import annotations

from flask_smorest import Api

from web import errors
from web.api.document import (
    ConstraintsPlugin,
    ErrorResponsesPlugin,
    ErrorSchema,
    register_responses,
    validator_properties,
)

API_PREFIX = "/api/v1"


class ExchangeApi(Api):
    """flask-smorest's Api telling our error body and each operation's real error statuses
    (web/api/document.py, decision 0015) instead of its own body and a catch-all default."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None


def init_api(app) -> Api:
    app.config.update(
        API_TITLE="The exchange",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Small asks, matched helpers, minutes given and received."},
            "components": {"securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            }},
            "security": [{"bearer": []}, {"cookie": []}],
        },
    )
    api = ExchangeApi(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin(),
                                                          ConstraintsPlugin()]})
    api.ma_plugin.converter.add_attribute_function(validator_properties)
    register_responses(api.spec)
    from web.api import asks, auth, flags, mail, me, members, mod, notifications, reach, stats
    for module in (auth, me, members, asks, notifications, stats, flags, mod, mail, reach):
        api.register_blueprint(module.blp, url_prefix=API_PREFIX + module.PREFIX)
    errors.register(app)  # after smorest, so our JSON error shape wins
    return api
