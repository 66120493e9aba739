"""What the OpenAPI document says beyond the schemas' own fields (decision 0015).

**Constraints the validators hold that apispec cannot see**: text that may not contain NUL,
tags in their canonical form and each once, an in-person ask naming its area. A body the
document calls valid must be one the API accepts (schemathesis checks it).

**The error responses, told once and truthfully.**

Every error the API answers has one body, ``ErrorSchema`` — the shape ``web/errors.py`` writes.
Each operation lists the error statuses it can really answer, each pointing at the one shared
response component for that status (``#/components/responses/NOT_FOUND`` …), so a client (and
schemathesis' ``status_code_conformance``) can hold the API to them. There is no catch-all
``default`` response: a status the document does not name is a bug in the document or the app.

Which statuses an operation can answer follows from what it is (rules below), plus a short
table of the refusals particular to some operations.
"""

from __future__ import annotations

from apispec import BasePlugin
from marshmallow import Schema, fields

from exchange.asks.schemas import AskCreateSchema
from exchange.validation import TAG_RE, Tag, _unique, no_nul

API = "/api/v1"
UNSAFE = ("post", "put", "patch", "delete")


class ErrorSchema(Schema):
    """The body of every error (``web/errors.py``)."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    status = fields.String(required=True,
                           metadata={"description": "The status's name, e.g. `Not Found`."})
    message = fields.String(required=True,
                            metadata={"description": "A sentence for the person, to show as is."})
    reason = fields.String(metadata={
        "description": "A stable code for programs (`not_found`, `not_moderator`, "
                       "`account_suspended`, `rate_limited`, `invalid`, `csrf` …). Present on "
                       "every refusal the exchange makes; absent when the request was refused "
                       "before reaching it (a body that is not JSON, a schema's field errors)."})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(metadata={"anyOf": [
        {"type": "object", "description": "messages by field name"},
        {"type": "array", "items": {"type": "string"},
         "description": "messages about the whole of it (a body that is not JSON)"},
    ]}), metadata={
        "description": "What was wrong, by where it was (`json`, `query`, `path`): field "
                       "messages by field name, `{\"json\": {\"minutes\": [\"...\"]}}`, or "
                       "messages about the whole, `{\"json\": [\"Invalid JSON body.\"]}`. "
                       "Present when particular input was at fault."})


# Operations anyone may call without signing in (tests/web/test_authorization.py holds the
# app to the same list): the document says so with an empty ``security``.
ANONYMOUS = {
    ("post", "/auth/register"), ("post", "/auth/tokens"), ("post", "/auth/login"),
    ("post", "/auth/logout"), ("get", "/auth/csrf"), ("post", "/auth/password-reset"),
    ("post", "/auth/password-reset/confirm"), ("post", "/auth/email/confirm"),
    ("get", "/push/vapid-public-key"), ("post", "/mail/unsubscribe"),
}

# Refusals particular to some operations (beyond the rules in ``error_statuses``).
ASK = "/asks/{ask_id}"
EXTRA = {
    ("post", "/auth/register"): (409, 429),            # handle or email taken; per address
    ("post", "/auth/tokens"): (401, 429),              # wrong password; sign-in throttle
    ("post", "/auth/login"): (401, 429),
    ("post", "/auth/password-reset"): (429,),
    ("post", "/auth/password-reset/confirm"): (429,),
    ("post", "/auth/email/confirm"): (429,),
    ("post", "/asks"): (409, 429),                     # open-asks cap; asks per day
    ("post", f"{ASK}/accept"): (409, 429),
    ("post", f"{ASK}/withdraw"): (409,),
    ("post", f"{ASK}/cancel"): (409,),
    ("post", f"{ASK}/deliver"): (409,),
    ("post", f"{ASK}/confirm"): (409,),
    ("post", f"{ASK}/pass"): (409,),
    ("post", f"{ASK}/thanks"): (409,),
    ("get", f"{ASK}/messages"): (403,),                # only the asker and the helper
    ("post", f"{ASK}/messages"): (409, 429),
    ("post", "/flags"): (404, 409, 429),               # the target; one open flag per target
    ("patch", "/me"): (409,),                          # the new email is someone's
    ("post", "/mod/flags/{flag_id}/resolve"): (409,),
    ("post", "/mod/flags/{flag_id}/claim"): (409,),
    ("post", "/mod/members/{handle}/suspend"): (409,),
    ("post", "/mod/members/{handle}/reinstate"): (409,),
    ("post", "/mod/transfers/{transfer_id}/reverse"): (409,),
}


def error_statuses(method: str, path: str, operation: dict) -> set[int]:
    """The error statuses ``method path`` (``path`` without ``/api/v1``) can answer."""
    codes: set[int] = set()
    anonymous = (method, path) in ANONYMOUS
    if method in UNSAFE:
        codes.add(400)  # a body that is not JSON; a session cookie without its CSRF token
    if not anonymous:
        codes.add(401)  # not signed in
        if method in UNSAFE or path.startswith("/mod/"):
            codes.add(403)  # suspended members write nothing; staff only under /mod
    if "{" in path:
        codes.add(404)  # absent, or hidden from you
    if operation.get("parameters") or operation.get("requestBody"):
        codes.add(422)  # field errors
    codes.update(EXTRA.get((method, path), ()))
    codes.add(503)  # the database unreachable: try again after Retry-After (decision 0019)
    return codes


def _link(method: str, path: str, parameter: str, pointer: str = "/id") -> dict:
    ref = "#/paths/" + (API + path).replace("~", "~0").replace("/", "~1") + "/" + method
    return {"operationRef": ref, "parameters": {parameter: f"$response.body#{pointer}"}}


# What a created thing's id leads to (OpenAPI links; schemathesis follows them statefully).
LINKS = {
    ("post", "/asks"): {"201": {
        name: _link(method, path, "ask_id") for name, method, path in (
            ("GetAsk", "get", ASK), ("AcceptAsk", "post", f"{ASK}/accept"),
            ("WithdrawAsk", "post", f"{ASK}/withdraw"), ("CancelAsk", "post", f"{ASK}/cancel"),
            ("DeliverAsk", "post", f"{ASK}/deliver"), ("ConfirmAsk", "post", f"{ASK}/confirm"),
            ("PassAsk", "post", f"{ASK}/pass"), ("ThankForAsk", "post", f"{ASK}/thanks"),
            ("ReadMessages", "get", f"{ASK}/messages"),
            ("WriteMessage", "post", f"{ASK}/messages"),
            ("HideAsk", "post", "/mod/asks/{ask_id}/hide"),
            ("RestoreAsk", "post", "/mod/asks/{ask_id}/restore"))}},
    ("post", "/flags"): {"201": {
        "ClaimFlag": _link("post", "/mod/flags/{flag_id}/claim", "flag_id"),
        "ResolveFlag": _link("post", "/mod/flags/{flag_id}/resolve", "flag_id")}},
    ("post", f"{ASK}/messages"): {"201": {
        "ReadTheConversation": _link("get", f"{ASK}/messages", "ask_id", "/ask_id")}},
    ("post", "/auth/register"): {"201": {
        "GetMember": _link("get", "/members/{handle}", "handle", "/handle"),
        "BlockMember": _link("post", "/members/{handle}/block", "handle", "/handle")}},
}


class ErrorResponsesPlugin(BasePlugin):
    """Adds each operation's error statuses, as references to the shared responses."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        if not path or not path.startswith(API + "/") or not operations:
            return
        short = path[len(API):]
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            if (method, short) in ANONYMOUS:
                operation["security"] = []
            responses = operation.setdefault("responses", {})
            for status, links in LINKS.get((method, short), {}).items():
                created = responses.get(status) or responses.get(int(status))
                if isinstance(created, dict):
                    created["links"] = links
            for status in sorted(error_statuses(method, short, operation)):
                if status not in responses and str(status) not in responses:
                    responses[str(status)] = _NAMES[status]


_NAMES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
          409: "CONFLICT", 422: "UNPROCESSABLE_ENTITY", 429: "RATE_LIMITED",
          503: "UNAVAILABLE"}


def register_responses(spec) -> None:
    """The responses flask-smorest's per-status components cannot tell: 429's and 503's
    ``Retry-After``."""
    spec.components.response("RATE_LIMITED", {
        "description": "Too Many Requests: the same body, and when to try again.",
        "content": {"application/json": {"schema": ErrorSchema}},
        "headers": {"Retry-After": {
            "description": "Seconds until the limit lets this request through again.",
            "schema": {"type": "integer", "minimum": 0}, "required": True}},
    })
    spec.components.response("UNAVAILABLE", {
        "description": "Service Unavailable: the database cannot be reached just now; the same "
                       "body (reason \"unavailable\"), and when to try again. Nothing was "
                       "written.",
        "content": {"application/json": {"schema": ErrorSchema}},
        "headers": {"Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0}, "required": True}},
    })


WINDOW = {  # rules relative to now, which JSON Schema cannot state: said in words
    "window_start": "When help could start, UTC; no more than 14 days ahead.",
    "window_end": "When it is needed by, UTC: in the future, no more than 14 days ahead, and "
                  "after window_start.",
}
NO_NUL = "^[^\\u0000]*$"


def validator_properties(self, field, ret, **kwargs) -> dict:
    """An apispec attribute function: the OpenAPI words for our own validators."""
    extra: dict = {}
    validators = getattr(field, "validators", ())
    if any(v is no_nul for v in validators) and "pattern" not in ret:
        extra["pattern"] = NO_NUL
    if any(v is _unique for v in validators):
        extra["uniqueItems"] = True
    if isinstance(field.parent, AskCreateSchema) and field.name in WINDOW:
        extra["description"] = WINDOW[field.name]
    if isinstance(field, Tag):
        # The canonical form; the API also takes it in capitals or with spaces around.
        extra["pattern"] = TAG_RE.pattern
    return extra


class ConstraintsPlugin(BasePlugin):
    """Whole-body rules a field cannot carry."""

    def schema_helper(self, name, definition, schema=None, **kwargs):
        is_class = isinstance(schema, type)
        if schema is not None and (issubclass(schema, AskCreateSchema) if is_class
                                   else isinstance(schema, AskCreateSchema)):
            # mode "in_person" needs an area with something in it; no mode means "online".
            return {"anyOf": [
                {"properties": {"mode": {"enum": ["online"]}}},
                {"required": ["area"], "properties": {"area": {"type": "string",
                                                              "pattern": "\\S"}}},
            ]}
        return None
