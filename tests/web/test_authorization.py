"""Who may call what: anonymous callers, bogus tokens, members acting on asks that are not
theirs, hidden asks, and suspended members.

Route lists come from the app's url_map; the allow-lists below are the only hand-kept part, so
a new route either inherits the strict expectation or fails until someone decides otherwise.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange.clock import utcnow
from tests.web.api_routes import (
    declared_routes,
    example_body,
    link_tokens,
    module_app,
    module_settings,
    on_every_route,
    set_member,
)
from tests.web.flow_helpers import hide_ask
from tests.web.hostile import Checker
from tests.web.seed import seeding

ROUTES = declared_routes()
ANONYMOUS_MAY = {
    "POST /api/v1/auth/register": "signing up",
    "POST /api/v1/auth/tokens": "getting a token with a password",
    "POST /api/v1/auth/login": "signing in a browser",
    "POST /api/v1/auth/logout": "signing out is harmless without a session",
    "GET /api/v1/auth/csrf": "a browser fetches its CSRF token before it signs in",
    "POST /api/v1/auth/password-reset": "asking for a link is for those who can't sign in",
    "POST /api/v1/auth/password-reset/confirm": "the emailed link's token is the authority",
    "POST /api/v1/auth/email/confirm": "the emailed link's token is the authority",
    "GET /api/v1/push/vapid-public-key": "the public key browsers subscribe with is public",
}
# Links from an email: the token in the link is the authority, not a session (tested with real
# tokens in tests/web/test_inbox_links.py; without one they are refused with 422).
TOKEN_LINKS = {
    "POST /api/v1/mail/unsubscribe": "one-click unsubscribe",
}
ANONYMOUS_MAY.update(TOKEN_LINKS)
SUSPENDED_MAY = {
    **ANONYMOUS_MAY,
    "DELETE /api/v1/auth/tokens/current": "revoking a token only takes access away",
}
MEMBER_ROUTES = [r for r in ROUTES if r.key not in ANONYMOUS_MAY]
SUSPENDED_WRITES = [r for r in ROUTES if r.writes and r.key not in SUSPENDED_MAY]
BOGUS_AUTHORIZATION = ("Bearer exk_not-a-real-token", "Bearer ", "Basic YWxpY2U6cHc=",
                       "Bearer " + "x" * 5000, "exk_no_scheme", "Bearer exk_ÿ")


@pytest.fixture(scope="module")
def app(db, database_url, tmp_path_factory):
    return module_app(db, module_settings(database_url, tmp_path_factory))


@pytest.fixture
def people(db, settings):
    with seeding(db, settings) as seed:
        return {name: seed.member(name) for name in ("alice", "bob", "carol")}


@pytest.fixture
def open_ask(db, settings, people):
    with seeding(db, settings) as seed:
        return seed.ask(people["alice"])


def _request(route, ids: dict):
    """The route's URL and example body, path values taken from ``ids`` by name (else 1)."""
    url = route.url(**{name: ids.get(name, 1) for name, _ in route.params})
    body = example_body(route, ids)
    return url, ({"json": body} if body is not None else {})


# --- anonymous and bogus credentials ----------------------------------------------------------

def test_every_allow_listed_route_still_exists():
    assert set(SUSPENDED_MAY) <= {r.key for r in ROUTES}


def test_callers_without_a_valid_token_are_asked_to_sign_in(client, db, people, open_ask):
    ids = {"ask_id": open_ask, "handle": "alice", "member_id": people["bob"]["id"]}

    def attempt(route):
        url, body = _request(route, ids)
        for header in (None, *BOGUS_AUTHORIZATION):
            who = {"headers": {"Authorization": header} if header is not None else {}}
            r = Checker(client, db, who)(route.method, url, **body)
            assert r.status_code == 401, f"{header!r:.30}: {r.status_code} {r.get_json()}"
            assert r.get_json()["reason"] == "not_authenticated"
    on_every_route(MEMBER_ROUTES, attempt)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.key in ANONYMOUS_MAY
                                   and r.key not in TOKEN_LINKS], ids=str)
def test_the_sign_in_routes_are_open_to_anyone(client, db, settings, people, route):
    url, body = _request(route, link_tokens(db, settings, people["bob"]["id"]))
    r = Checker(client, db, {"headers": {}})(route.method, url, **body)
    assert r.status_code < 400, f"{route}: {r.status_code} {r.get_json()}"


def test_a_revoked_token_is_not_signed_in(api, people):
    alice = people["alice"]
    assert api.call(alice, "DELETE", "/auth/tokens/current").status_code == 204
    assert api.call(alice, "GET", "/me").status_code == 401


# --- members acting on asks that are not theirs -----------------------------------------------

@pytest.fixture
def refused(client, db):
    """``refused(who, method, path, status=403, **request)``: refused, nothing written."""
    def check(who, method, path, status=403, **request):
        r = Checker(client, db, who)(method, "/api/v1" + path, **request)
        assert r.status_code == status, r.get_json()
        return r.get_json()
    return check


def test_a_member_cannot_accept_their_own_ask(api, people, refused):
    ask = api.ask(people["alice"])
    assert refused(people["alice"], "POST", f"/asks/{ask['id']}/accept")["reason"] == "own_ask"


@pytest.mark.parametrize("who", ["alice", "carol"])
@pytest.mark.parametrize("verb", ["withdraw", "deliver"])
def test_only_the_helper_can_withdraw_or_deliver(api, people, refused, who, verb):
    ask = api.matched(people["alice"], people["bob"])
    assert refused(people[who], "POST", f"/asks/{ask['id']}/{verb}")["reason"] == "not_helper"


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_only_the_asker_can_cancel(api, people, refused, who):
    ask = api.matched(people["alice"], people["bob"])
    assert refused(people[who], "POST", f"/asks/{ask['id']}/cancel")["reason"] == "not_author"


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_only_the_asker_can_confirm(api, people, refused, who):
    ask = api.matched(people["alice"], people["bob"])
    api.call(people["bob"], "POST", f"/asks/{ask['id']}/deliver")
    body = refused(people[who], "POST", f"/asks/{ask['id']}/confirm", json={"minutes": 30})
    assert body["reason"] == "not_author"


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_only_the_asker_can_send_thanks(api, people, refused, who):
    ask = api.confirmed(people["alice"], people["bob"])
    body = refused(people[who], "POST", f"/asks/{ask['id']}/thanks", json={"message": "Thanks!"})
    assert body["reason"] == "not_author"


def test_a_stranger_cannot_read_the_conversation(api, people, refused):
    ask = api.matched(people["alice"], people["bob"])
    body = refused(people["carol"], "GET", f"/asks/{ask['id']}/messages")
    assert body["reason"] == "not_participant"


def test_a_stranger_cannot_post_to_the_conversation(api, people, refused):
    ask = api.matched(people["alice"], people["bob"])
    body = refused(people["carol"], "POST", f"/asks/{ask['id']}/messages", json={"body": "Hi"})
    assert body["reason"] == "not_participant"


# --- hidden asks --------------------------------------------------------------------------------

@pytest.fixture
def hidden_ask(api, people, make_uow):
    ask = api.ask(people["alice"])
    hide_ask(make_uow, ask["id"])
    return ask


def test_a_hidden_ask_is_absent_for_other_members(people, hidden_ask, refused):
    refused(people["carol"], "GET", f"/asks/{hidden_ask['id']}", status=404)


def test_a_hidden_ask_cannot_be_accepted(people, hidden_ask, refused):
    refused(people["carol"], "POST", f"/asks/{hidden_ask['id']}/accept", status=404)


def test_a_hidden_ask_is_left_out_of_other_members_feed(api, people, hidden_ask):
    items = api.call(people["carol"], "GET", "/asks").get_json()["items"]
    assert hidden_ask["id"] not in [a["id"] for a in items]


def test_the_author_still_sees_their_hidden_ask(api, people, hidden_ask):
    r = api.call(people["alice"], "GET", f"/asks/{hidden_ask['id']}")
    assert r.status_code == 200 and r.get_json()["hidden"] is True


# --- suspended members ------------------------------------------------------------------------

@pytest.fixture
def suspension(db, settings, people):
    """Carol, suspended, with everything an active member would need for each write to succeed:
    her own open, matched and confirmed asks (Bob helping), and Alice's asks to take or help."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    with seeding(db, settings) as seed:
        helped = seed.matched(alice, carol)
        asks = {"accept": seed.ask(alice), "pass": seed.ask(alice), "withdraw": helped,
                "deliver": helped,
                "cancel": seed.ask(carol), "confirm": seed.matched(carol, bob),
                "thanks": seed.confirmed(carol, bob)}
        asks["messages"] = asks["confirm"]
        seed.set(carol, status="suspended", suspended_until=utcnow() + timedelta(days=3))
    return {"carol": carol, "bob": bob["id"], "asks": asks}


def _suspended_request(route, suspension):
    verb = route.path.rsplit("/", 1)[-1]
    ask_id = suspension["asks"].get(verb, suspension["asks"]["cancel"])
    return _request(route, {"ask_id": ask_id, "handle": "bob", "member_id": suspension["bob"]})


def test_a_suspended_member_is_refused_every_write(client, db, suspension):
    def attempt(route):
        url, body = _suspended_request(route, suspension)
        r = Checker(client, db, suspension["carol"])(route.method, url, **body)
        assert r.status_code == 403, f"{r.status_code} {r.get_json()}"
        if not route.path.startswith("/api/v1/mod/"):  # moderator routes refuse members anyway
            assert r.get_json()["reason"] == "account_suspended"
    on_every_route(SUSPENDED_WRITES, attempt)


@pytest.mark.parametrize("route", [r for r in SUSPENDED_WRITES
                                   if not r.path.startswith("/api/v1/mod/")], ids=str)
def test_the_same_writes_succeed_once_the_suspension_has_ended(
        client, db, make_uow, suspension, route):
    carol = suspension["carol"]
    set_member(make_uow, carol["id"], suspended_until=utcnow() - timedelta(minutes=1))
    url, body = _suspended_request(route, suspension)
    r = Checker(client, db, carol)(route.method, url, **body)
    assert r.status_code < 300, f"{route}: {r.status_code} {r.get_json()}"


def test_a_suspended_member_without_open_asks_still_cannot_delete_the_account(
        people, make_uow, refused):
    bob = people["bob"]
    set_member(make_uow, bob["id"], status="suspended",
               suspended_until=utcnow() + timedelta(days=3))
    assert refused(bob, "DELETE", "/me")["reason"] == "account_suspended"


def test_a_suspended_member_can_still_read_their_own_data(api, suspension):
    for path in ("/me", "/me/export", "/me/balance", "/me/ledger", "/notifications",
                 "/asks?mine=asked"):
        r = api.call(suspension["carol"], "GET", path)
        assert r.status_code == 200, f"{path}: {r.get_json()}"
