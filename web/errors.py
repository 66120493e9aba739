"""One place that turns errors into JSON responses with the right status.

Domain errors carry a status and a stable ``reason`` code; field errors follow flask-smorest's
shape (``errors.json.<field>``). Anything unexpected is logged and answered with a plain 500
body — the tests make sure no input reaches it. A database that cannot be reached is not a
fault in the code: it is answered 503 with ``Retry-After`` (``database_unavailable``), logged
as one warning line a minute at most, never a traceback per request.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import g, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from exchange.db import UNAVAILABLE
from exchange.errors import DomainError, RateLimited
from exchange.outages import OutageLog

log = logging.getLogger(__name__)
RETRY_SECONDS = 10  # a restart or failover of the database takes seconds, not minutes
database_outage = OutageLog(log, "The database")


def _body(status: int, message: str, **extra) -> dict:
    return {"code": status, "status": HTTPStatus(status).phrase, "message": message, **extra}


def domain_error(err: DomainError):
    unit = g.get("uow")
    if unit is not None:
        if getattr(err, "persist", False):
            unit.commit()  # e.g. the ask.taken note for a helper who lost the race
        else:
            unit.rollback()
    extra = {"reason": err.code}
    if err.fields:
        extra["errors"] = {"json": err.fields}
    response = jsonify(_body(err.status, err.message, **extra))
    response.status_code = err.status
    if isinstance(err, RateLimited):
        response.headers["Retry-After"] = str(err.retry_after)
    return response


def csrf_error(err: CSRFError):
    response = jsonify(_body(400, "The CSRF token is missing or stale; reload and try again.",
                             reason="csrf"))
    response.status_code = 400
    return response


def http_error(err: HTTPException):
    status = err.code or 500
    extra = {}
    data = getattr(err, "data", None) or {}
    if "messages" in data:
        extra["errors"] = data["messages"]
    message = err.description if isinstance(err.description, str) else HTTPStatus(status).phrase
    if status == 400 and "messages" in data and "json" in data["messages"]:
        message = "The request body is not valid JSON."
    elif status == 422 and "messages" in data:
        # Not werkzeug's "well-formed but unable to be followed": what to do, in words.
        message = "Some of this needs another look; each field's note says how."
    response = jsonify(_body(status, message, **extra))
    response.status_code = status
    for key, value in (data.get("headers") or {}).items():
        response.headers[key] = value
    if status == 405 and err.valid_methods:
        response.headers["Allow"] = ", ".join(err.valid_methods)
    return response


def database_unavailable(err: Exception):
    unit = g.pop("uow", None)
    if unit is not None:
        unit.__exit__(None, None, None)  # tolerates the connection being gone
    database_outage.away(err, "answering 503 until it is back")
    response = jsonify(_body(503, "The exchange can't reach its records for a moment; nothing "
                                  "was changed. Please try again in a few seconds.",
                             reason="unavailable"))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_SECONDS)
    return response


def unexpected(err: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    response = jsonify(_body(500, "Something went wrong on our side; nothing was saved."))
    response.status_code = 500
    return response


def register(app) -> None:
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    for error in UNAVAILABLE:
        app.register_error_handler(error, database_unavailable)
    app.register_error_handler(Exception, unexpected)
