"""Refuse JSON bodies the parser would choke on, before any view parses them.

``json.loads`` raises more than ``JSONDecodeError``: ``RecursionError`` for deeply nested
documents and ``ValueError`` for integers over Python's digit limit, which webargs lets through
as 500s. JSON may also carry lone surrogates (``"\\ud800"``), which are not text: no database
driver can store them and no hash can encode them. All three are malformed bodies: 400.
A body that is not JSON at all is refused with 415 rather than silently read as empty.
"""

from __future__ import annotations

import json

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

API_PREFIX = "/api/"
# Mail providers' one-click unsubscribe posts a form (RFC 8058); the token is in the query.
FORM_BODIES = frozenset({"/api/v1/mail/unsubscribe"})


def check_json_body() -> None:
    if not request.path.startswith(API_PREFIX) or request.path in FORM_BODIES:
        return
    body = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413 here
    if not body:
        return  # an absent body is the view's business (optional bodies)
    if not request.is_json:
        # webargs would read a form or text/plain body as "no body": a PATCH would answer 200
        # having changed nothing, so the client never learns its data was dropped.
        raise UnsupportedMediaType("The API takes JSON bodies (Content-Type: application/json).")
    try:
        document = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        _malformed()
    if _has_lone_surrogate(document):
        _malformed()


def _malformed():
    err = BadRequest()
    err.data = {"messages": {"json": ["Invalid JSON body."]}}  # webargs' shape for bad JSON
    raise err


def _has_lone_surrogate(document) -> bool:
    # Iterative on purpose: the document may be nested nearly as deep as the recursion limit.
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and not _encodes(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
