"""The /api/v1 routes as the app itself declares them (not a test module).

The hostile-input, authorization and OpenAPI suites iterate these instead of a hand-kept list,
so a route added tomorrow is covered without anyone remembering to list it; where a suite needs
an expectation per route (an example body, an allow-list), a missing one fails loudly.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from functools import cache

import pytest
from sqlalchemy import text, update

from exchange import tokens
from exchange.clock import utcnow
from exchange.config import Settings
from exchange.members.addresses import verify_link_payload
from exchange.members.models import Member
from exchange.members.recovery import reset_link_payload
from exchange.models import Base
from tests.conftest import PASSWORD

PREFIX = "/api/v1"
SPEC_PATH = PREFIX + "/openapi.json"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_ARG = re.compile(r"<(?:([a-zA-Z_]+)(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")

# A body each route accepts from the test world's caller; a callable gets the world's ids
# (``member_id``: someone else's). Hostile-input tests mutate one field of it at a time, so a
# broken value reaches the service rather than stopping at "missing".
VALID_BODIES = {
    "POST /api/v1/auth/register": {"handle": "newcomer", "email": "newcomer@example.org",
                                   "password": PASSWORD, "display_name": "Newcomer"},
    "POST /api/v1/auth/tokens": {"login": "alice", "password": PASSWORD},
    "POST /api/v1/auth/login": {"login": "alice", "password": PASSWORD},
    "PATCH /api/v1/me": {"bio": "Happy to read drafts.", "capacity": 3},
    "POST /api/v1/asks": {"title": "Read one paragraph of my essay", "minutes": 15},
    "POST /api/v1/asks/{ask_id}/confirm": {"minutes": 20},
    "POST /api/v1/asks/{ask_id}/thanks": {"message": "Thank you, that helped a lot."},
    "POST /api/v1/asks/{ask_id}/messages": {"body": "Does Thursday work for you?"},
    "POST /api/v1/notifications/read": {"up_to": 1},
    "POST /api/v1/flags": lambda ids: {"target_type": "member", "target_id": ids["member_id"],
                                       "reason": "spam", "note": "Same link in every ask."},
    "POST /api/v1/mod/flags/{flag_id}/resolve": {"action": "dismiss", "reason": "Looks fine."},
    "POST /api/v1/mod/asks/{ask_id}/hide": {"reason": "Off topic."},
    "POST /api/v1/mod/asks/{ask_id}/restore": {"reason": "Checked, it's fine."},
    "POST /api/v1/mod/members/{handle}/suspend": {"days": 3, "reason": "Repeated spam."},
    "POST /api/v1/mod/members/{handle}/reinstate": {"reason": "Served the suspension."},
    "POST /api/v1/mod/members/{handle}/warn": {"reason": "Please keep replies kind."},
    "POST /api/v1/mod/members/{handle}/role": {"role": "moderator", "reason": "Volunteered."},
    "POST /api/v1/mod/transfers/{transfer_id}/reverse": {"reason": "Logged twice by mistake."},
    "POST /api/v1/auth/password-reset": {"email": "alice@example.org"},
    # Links from account mail, as mailed to someone else (``link_tokens``).
    "POST /api/v1/auth/password-reset/confirm": lambda ids: {
        "token": ids.get("reset_token", "no-link"), "password": "a quiet and winding river"},
    "POST /api/v1/auth/email/confirm": lambda ids: {"token": ids.get("verify_token", "no-link")},
    "PATCH /api/v1/me/notification-settings": {"kinds": {"message.new": {"email": False}},
                                               "digest": "weekly", "push_details": True},
    # A browser's PushSubscription.toJSON(): a real P-256 point and a 16-byte auth secret.
    "POST /api/v1/me/push-subscriptions": {
        "endpoint": "https://push.example.net/send/abc123", "expirationTime": None,
        "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazA"
                           "kj7I99e8QcYP7DkM",
                 "auth": "tBHItJI5svbpez7KI4CCXg"}},
    "DELETE /api/v1/me/push-subscriptions": {"endpoint": "https://push.example.net/send/abc123"},
}


def link_tokens(db, settings: Settings, member_id: int) -> dict:
    """The reset and verify links' tokens the member's mail would carry as things stand (their
    address is marked verified first: only a verified address can reset a password)."""
    with db.session() as session, session.begin():
        member = session.get(Member, member_id)
        member.email_verified_at = member.email_verified_at or utcnow()
        reset, verify = reset_link_payload(member), verify_link_payload(member)
    return {"reset_token": tokens.sign(settings.secret_key, "reset", reset),
            "verify_token": tokens.sign(settings.secret_key, "verify", verify)}


def example_body(route, ids: dict) -> dict | None:
    body = VALID_BODIES.get(route.key)
    return body(ids) if callable(body) else body


@dataclass(frozen=True)
class Route:
    method: str
    rule: str  # the Flask rule, converters and all
    path: str  # the OpenAPI path: /api/v1/asks/{ask_id}
    params: tuple[tuple[str, str], ...]  # (name, converter) in order: ("ask_id", "int")

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    def url(self, **values) -> str:
        """The route with path arguments filled in verbatim (already URL-encoded)."""
        return _ARG.sub(lambda m: str(values[m.group(2)]), self.rule)

    def __str__(self) -> str:
        return self.key


def _route(rule, method: str) -> Route:
    params = tuple((m.group(2), m.group(1) or "default") for m in _ARG.finditer(rule.rule))
    path = _ARG.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
    return Route(method, rule.rule, path, params)


def api_routes(app) -> list[Route]:
    rules = [r for r in app.url_map.iter_rules()
             if r.rule.startswith(PREFIX + "/") and r.rule != SPEC_PATH]
    return sorted((_route(r, m) for r in rules for m in r.methods if m in METHODS),
                  key=lambda route: route.key)


@cache
def _read_only_app():
    """An app built only to be read (routes, OpenAPI), for test parametrization at collection."""
    from web import create_app
    settings = Settings(env="test", database_url="sqlite://", secret_key="only-read-the-routes",
                        instance_dir=tempfile.mkdtemp(prefix="exchange-routes-"))
    return create_app(settings)


def declared_routes() -> tuple[Route, ...]:
    return tuple(api_routes(_read_only_app()))


@cache
def declared_spec() -> dict:
    return _read_only_app().test_client().get(SPEC_PATH).get_json()


def resolve(spec: dict, schema: dict) -> dict:
    """Follow ``$ref`` and unwrap the ``anyOf: [nullable, $ref]`` smorest writes for
    ``allow_none`` nested schemas; the result says ``nullable`` if any variant was."""
    nullable = bool(schema.get("nullable"))
    for variant in schema.get("anyOf", ()):
        if "$ref" in variant:
            schema = variant
        nullable = nullable or bool(variant.get("nullable"))
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return {**schema, "nullable": nullable or bool(schema.get("nullable"))}


def operation(route: Route, spec: dict | None = None) -> dict:
    spec = spec or declared_spec()
    return spec["paths"][route.path][route.method.lower()]


def body_schema(route: Route, spec: dict | None = None) -> dict | None:
    """The resolved JSON body schema the route parses, or None if it reads no body."""
    spec = spec or declared_spec()
    body = operation(route, spec).get("requestBody")
    if body is None:
        return None
    schema = resolve(spec, body["content"]["application/json"]["schema"])
    return {**schema, "x-required": body.get("required", False)}


def query_params(route: Route, spec: dict | None = None) -> dict[str, dict]:
    spec = spec or declared_spec()
    return {p["name"]: resolve(spec, p["schema"]) for p in operation(route, spec)
            .get("parameters", ()) if p["in"] == "query"}


def on_every_route(routes, check) -> None:
    """Run ``check(route)`` for every route and fail listing every route that failed, not
    just the first. For refusals that write nothing one world serves every route, which keeps
    a sweep to one database reset instead of one per route."""
    failures = []
    for route in routes:
        try:
            check(route)
        except AssertionError as err:
            failures.append(f"{route}: {err}")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


def row_counts(db) -> dict[str, int]:
    """Rows per table in one query: cheap enough to take around every hostile request."""
    with db.engine.connect() as conn:
        return dict(conn.execute(_count_query(tuple(Base.metadata.tables))).one()._mapping)


@cache
def _count_query(names: tuple[str, ...]):
    # Plain SQL, built once: compiling the equivalent select() on every call cost more than
    # the requests under test.
    return text("SELECT " + ", ".join(f"(SELECT count(*) FROM {n}) AS {n}" for n in names))


def module_settings(database_url: str, tmp_path_factory) -> Settings:
    """Settings for a module-scoped app. Rate limits are off: their counters would carry over
    between tests, and SQLite hands the next test's members the same ids."""
    env = {"EXCHANGE_ENV": "test", "EXCHANGE_DATABASE_URL": database_url,
           "EXCHANGE_INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
           "EXCHANGE_RATE_LIMITS": "off"}
    return Settings.from_env(env)


def module_app(db, settings: Settings):
    """One app for a whole test module: building it per test cost more than the tests here.
    Requests carry bearer tokens and each test gets a fresh test client, so nothing carries
    over between tests but the (emptied) database."""
    from web import create_app
    return create_app(settings, db=db)


def set_member(make_uow, member_id: int, **values) -> None:
    """Change a member row directly, as moderation would (the tests' stand-in for the mod API)."""
    with make_uow() as uow:
        uow.session.execute(update(Member).where(Member.id == member_id).values(**values))
        uow.commit()
