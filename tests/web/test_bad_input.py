"""No input, however malformed, produces a 500 or a partial write.

Every /api/v1 route the app declares is attacked with garbage bodies, wrong field values taken
from its own OpenAPI schema, odd text, bogus path values, query-string garbage and random JSON;
each request must answer 4xx (or succeed), answer JSON, name the field in a 422, and leave
every table's row count unchanged when it refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from exchange.clock import utcnow
from exchange.validation import MAX_ID
from tests.web.api_routes import (
    VALID_BODIES,
    Route,
    body_schema,
    declared_routes,
    declared_spec,
    example_body,
    link_tokens,
    module_app,
    module_settings,
    on_every_route,
    query_params,
    resolve,
)
from tests.web.hostile import (
    BOGUS_INTS,
    BOGUS_STRINGS,
    GARBAGE_BODIES,
    Checker,
    field_messages,
    odd_texts,
    wrong_values,
)
from tests.web.seed import Snapshot, seeding

ROUTES = declared_routes()
BODY_ROUTES = [r for r in ROUTES if body_schema(r) is not None]
QUERY_ROUTES = [r for r in ROUTES if query_params(r)]
PATH_ROUTES = [r for r in ROUTES if r.params]
QUERY_GARBAGE = ("after=-1", "after=abc", f"limit={10**20}", "cursor=1.5", "limit=-1",
                 "cursor=%00", f"after={MAX_ID + 1}", "limit=1e3", "after=%ED%A0%80",
                 "status=nope&mine=everyone&for_me=maybe&tag=%00", "limit=&cursor=",
                 "cursor=" + "9" * 5000, "a" * 5000 + "=1")
# A GET reads no body: the few that exercise the app-wide JSON guard are enough there.
GET_BODIES = ("deeply nested arrays", "a lone surrogate", "invalid UTF-8",
              "JSON sent as text/plain")
# Refused, but not necessarily as a bad body: too big is a 413, and an empty body is "no
# changes" to a route whose fields are all optional (PATCH /me).
LENIENT = ("a body over the size limit", "an empty JSON body")


# Path values that differ by route, keyed by the route's last segment: thanks needs a
# confirmed ask, reinstating a suspended member, and moderators act on others' asks only.
PER_ROUTE = {"thanks": {"ask_id": "confirmed_ask"}, "reinstate": {"handle": "dave"},
             "hide": {"ask_id": "others_ask"}, "restore": {"ask_id": "others_ask"},
             "reverse": {"transfer_id": "others_transfer"}}


@dataclass
class World:
    """Alice (an admin, so moderator-only routes reach their services too) with a matched and
    a confirmed ask helped by Bob; Carol, helped by Bob too, who flagged him; Dave, suspended."""

    check: Checker
    ids: dict

    def real(self, route: Route) -> dict:
        override = PER_ROUTE.get(route.path.rsplit("/", 1)[-1], {})
        values = {}
        for name, _ in route.params:
            key = override.get(name, name)
            values[name] = self.ids.get(key, key)
        return values

    def body(self, route: Route) -> dict | None:
        return example_body(route, self.ids)

    def variants(self, route: Route):
        """(label, url) with every path value real, then each one bogus in turn."""
        real = self.real(route)
        yield "real", route.url(**real)
        for name, converter in route.params:
            for bogus in BOGUS_INTS if converter == "int" else BOGUS_STRINGS:
                yield f"{name}={bogus[:20]}", route.url(**{**real, name: bogus})


@pytest.fixture(scope="module")
def module_env(database_url, tmp_path_factory):
    return module_settings(database_url, tmp_path_factory)


@pytest.fixture(scope="module")
def app(db, module_env):
    return module_app(db, module_env)


@pytest.fixture(scope="module")
def seeded(app, db, module_env):
    with seeding(db, module_env) as seed:
        alice, bob, carol, dave = (seed.member(n) for n in ("alice", "bob", "carol", "dave"))
        confirmed, others = seed.confirmed(alice, bob), seed.confirmed(carol, bob)
        ids = {"ask_id": seed.matched(alice, bob), "confirmed_ask": confirmed,
               "others_ask": others, "others_transfer": seed.transfer_of(others),
               "flag_id": seed.flag(carol, bob), "member_id": bob["id"], "handle": "carol"}
        seed.set(alice, role="admin")
        seed.set(dave, status="suspended", suspended_until=utcnow() + timedelta(days=3))
    ids.update(link_tokens(db, module_env, bob["id"]))
    return Snapshot(db), ids, alice


@pytest.fixture
def world(client, db, seeded) -> World:
    snapshot, ids, alice = seeded
    snapshot.restore()
    return World(Checker(client, db, alice), ids)


def test_every_route_that_reads_a_body_has_a_valid_example():
    missing = [r.key for r in BODY_ROUTES if r.key not in VALID_BODIES]
    assert not missing, f"add an example body to tests/web/api_routes.py for {missing}"


@pytest.mark.parametrize("route", [r for r in BODY_ROUTES if r.key in VALID_BODIES], ids=str)
def test_the_example_body_is_accepted(world, route):
    r = world.check(route.method, route.url(**world.real(route)), json=world.body(route))
    assert r.status_code < 300, r.get_json()


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_garbage_bodies_and_query_strings_never_break_a_route(world, route):
    schema, url = body_schema(route), route.url(**world.real(route))
    bodies = [b for b in GARBAGE_BODIES if route.writes or b[0] in GET_BODIES]
    for label, request in bodies:
        r = world.check(route.method, url, **request)
        if schema is not None and schema["x-required"] and label not in LENIENT:
            assert r.status_code in (400, 415, 422), f"{route} with {label}: {r.status_code}"
    for query in QUERY_GARBAGE if query_params(route) else QUERY_GARBAGE[-4:]:
        world.check(route.method, f"{url}?{query}")


def test_bogus_path_values_are_absent_not_errors(world):
    def attack(route):
        body = world.body(route)
        for label, url in world.variants(route):
            if label == "real":
                continue
            r = world.check(route.method, url, **({"json": body} if body is not None else {}))
            assert 400 <= r.status_code < 500, f"{label}: {r.status_code}"
            world.check(route.method, url, data="[" * 50_000, content_type="application/json")
    on_every_route(PATH_ROUTES, attack)


def test_each_wrong_field_value_is_a_422_naming_the_field(world):
    def attack(route):
        base, fields = world.body(route) or {}, body_schema(route)["properties"]
        url = route.url(**world.real(route))
        for name, field in fields.items():
            for value in wrong_values(resolve(declared_spec(), field)):
                r = world.check(route.method, url, json={**base, name: value})
                assert r.status_code == 422, f"{name}={value!r:.60}: {r.status_code}"
                assert name in field_messages(r), f"{name}={value!r:.60}: {r.get_json()}"
    on_every_route(BODY_ROUTES, attack)


@pytest.mark.slow
@pytest.mark.parametrize("route", BODY_ROUTES, ids=str)
def test_odd_text_in_any_field_never_breaks_a_route(world, route):
    base, fields = world.body(route) or {}, body_schema(route)["properties"]
    url = route.url(**world.real(route))
    for name, field in fields.items():
        field = resolve(declared_spec(), field)
        for value in odd_texts(field) if field.get("type") in ("string", None) else ():
            world.check(route.method, url, json={**base, name: value})
    world.check(route.method, url, json={**base, "zzz_unknown": 1})


def test_each_wrong_query_value_is_a_422_naming_the_parameter(world):
    def attack(route):
        url = route.url(**world.real(route))
        for name, param in query_params(route).items():
            for value in _query_values(param):
                r = world.check(route.method, url, query_string={name: value})
                assert r.status_code == 422, f"?{name}={value:.40}: {r.status_code}"
                assert name in field_messages(r), f"?{name}={value:.40}: {r.get_json()}"
    on_every_route(QUERY_ROUTES, attack)


def _query_values(param: dict) -> list[str]:
    kind = param.get("type")
    if kind == "integer":
        return ["abc", "1.5", "2.5e-42", "1e3", str(10**20), "-1", "", " 1", "0x10", "١٢",
                "\x00", "NaN", "true", str(param.get("maximum", MAX_ID) + 1)]
    if kind == "boolean":
        return ["maybe", "2", "\x00", "x" * 5000]
    values = []
    if "enum" in param:
        values += ["nope", param["enum"][0].upper(), "\x00"]
    if "pattern" in param:  # those the pattern (or the length) refuses
        values += [v for v in ("NOT A MATCH!", "\x00", "x" * 5000)
                   if not re.search(param["pattern"], v) or len(v) > param.get("maxLength", 10**9)]
    return values


JSON_LEAVES = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
               | st.sampled_from(["\x00", "\ud800", "2030-01-01T00:00:00Z", "", "x" * 3000]))


def _bodies(route: Route, base: dict):
    names = sorted(body_schema(route)["properties"]) or ["x"]
    keys = st.sampled_from(names) | st.text(max_size=10)
    values = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(keys, inner, max_size=3), max_leaves=6)
    partial = st.dictionaries(keys, values, min_size=1, max_size=4)
    return st.one_of(partial.map(lambda drawn: {**base, **drawn}), partial, values)


@pytest.mark.slow
@pytest.mark.parametrize("route", BODY_ROUTES, ids=str)
def test_random_json_bodies_never_break_a_route(world, route):
    url = route.url(**world.real(route))

    # The fixtures live outside the @given function, so examples share one world on purpose:
    # state left by an accepted body is fine, a refused one must not have written anything.
    @hsettings(max_examples=30, deadline=None, database=None, derandomize=True,
               suppress_health_check=[HealthCheck.too_slow])
    @given(body=_bodies(route, world.body(route) or {}))
    def attack(body):
        world.check(route.method, url, json=body)

    attack()
