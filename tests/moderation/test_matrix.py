"""The authorization matrix: every API route and every socket event × eight roles, each cell an
explicit expectation (``docs/authorization.md`` is the same table in prose).

The routes come from the app's url_map and the socket events from the Socket.IO server's
handler table, so a route or event added tomorrow fails ``test_every_route_has_a_row`` until
someone writes down who may call it. Each cell is one request in one world:

- anonymous: no credentials
- member: an active member with no tie to the world's asks
- author: the asker of the ask the route acts on
- helper: the helper matched to that ask
- blocked: a member the author has blocked
- suspended: a suspended member
- moderator, admin: staff

Cells are ``status`` or ``(status, reason)``. A refused cell must write nothing (the Checker
counts rows); after a cell that may have written, the world is put back from a snapshot.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from exchange.adapters.push import member_feed_rooms, member_room
from exchange.members.service import skill_tags
from exchange.moderation import actions, sanctions
from tests.conftest import PASSWORD, empty_tables
from tests.web.api_routes import (
    PREFIX,
    declared_routes,
    example_body,
    link_tokens,
    module_app,
    module_settings,
    row_counts,
)
from tests.web.hostile import Checker
from tests.web.seed import Snapshot, seeding

ROLES = ("anonymous", "member", "author", "helper", "blocked", "suspended", "moderator", "admin")
ROUTES = declared_routes()
RECORD = os.environ.get("EXCHANGE_RECORD_MATRIX") == "1"

# Which of the world's things each route's path (and body) names. Unlisted routes use the
# defaults: the open ask, the author's handle.
TARGETS = {
    "accept": "open", "withdraw": "matched", "deliver": "matched", "cancel": "matched",
    "confirm": "matched", "thanks": "confirmed", "messages": "matched",
}
HANDLE_FOR = {
    "DELETE /api/v1/members/{handle}/block": "dave",  # the member the author blocked
    "POST /api/v1/mod/members/{handle}/suspend": "tess",
    "POST /api/v1/mod/members/{handle}/reinstate": "erin",  # the suspended member
    "POST /api/v1/mod/members/{handle}/role": "tess",
    "POST /api/v1/mod/members/{handle}/warn": "tess",
}
ASK_FOR = {
    "POST /api/v1/mod/asks/{ask_id}/hide": "tess_open",
    "POST /api/v1/mod/asks/{ask_id}/restore": "tess_hidden",
}

SIGN_IN, SUSPENDED = (401, "not_authenticated"), (403, "account_suspended")
STAFF, HIDDEN = (403, "not_moderator"), (404, "not_found")
NOT_AUTHOR, NOT_HELPER = (403, "not_author"), (403, "not_helper")
NOT_PARTY = (403, "not_participant")


def row(*cells) -> dict[str, object]:
    """One route's cells, in the order of ROLES."""
    assert len(cells) == len(ROLES)
    return dict(zip(ROLES, cells, strict=True))


# Roles:  anonymous, member, author, helper, blocked, suspended, moderator, admin
MATRIX: dict[str, dict[str, object]] = {
    "DELETE /api/v1/auth/tokens/current":
        row(SIGN_IN, 204, 204, 204, 204, 204, 204, 204),
    "DELETE /api/v1/me":
        row(SIGN_IN, 204, 204, 204, 204, SUSPENDED, 204, (403, "last_admin")),
    "DELETE /api/v1/me/push-subscriptions":
        row(SIGN_IN, 204, 204, 204, 204, SUSPENDED, 204, 204),
    "DELETE /api/v1/members/{handle}/block":
        row(SIGN_IN, 204, 204, 204, 204, SUSPENDED, 204, 204),
    "GET /api/v1/asks":
        row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/asks/coaching":
        row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/asks/expectation":
        row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/asks/{ask_id}":
        row(SIGN_IN, 200, 200, 200, HIDDEN, 200, 200, 200),
    "GET /api/v1/asks/{ask_id}/messages":
        row(SIGN_IN, NOT_PARTY, 200, 200, HIDDEN, NOT_PARTY, 200, 200),
    "GET /api/v1/auth/csrf":
        row(200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/me":
        row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/me/balance":
        row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/me/export":
        row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/me/ledger":
        row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/me/notification-settings":
        row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/members/{handle}":
        row(SIGN_IN, 200, 200, 200, HIDDEN, 200, 200, 200),
    "GET /api/v1/mod/audit":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "GET /api/v1/mod/health":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "GET /api/v1/mod/health/charts":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "GET /api/v1/mod/members/{handle}":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "GET /api/v1/mod/flags":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "GET /api/v1/notifications":
        row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/notifications/recent":
        row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/push/vapid-public-key":
        row(200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/stats/community":
        row(SIGN_IN, 200, 200, 200, 200, 200, 200, 200),
    "PATCH /api/v1/me":
        row(SIGN_IN, 200, 200, 200, 200, SUSPENDED, 200, 200),
    "PATCH /api/v1/me/notification-settings":
        row(SIGN_IN, 200, 200, 200, 200, SUSPENDED, 200, 200),
    "POST /api/v1/asks":
        row(SIGN_IN, 201, 201, 201, 201, SUSPENDED, 201, 201),
    "POST /api/v1/asks/{ask_id}/accept":
        row(SIGN_IN, 200, (403, "own_ask"), 200, (403, "blocked"), SUSPENDED, 200, 200),
    "POST /api/v1/asks/{ask_id}/cancel":
        row(SIGN_IN, NOT_AUTHOR, 200, NOT_AUTHOR, HIDDEN, SUSPENDED, NOT_AUTHOR, NOT_AUTHOR),
    "POST /api/v1/asks/{ask_id}/confirm":
        row(SIGN_IN, NOT_AUTHOR, 200, NOT_AUTHOR, HIDDEN, SUSPENDED, NOT_AUTHOR, NOT_AUTHOR),
    "POST /api/v1/asks/{ask_id}/deliver":
        row(SIGN_IN, NOT_HELPER, NOT_HELPER, 200, HIDDEN, SUSPENDED, NOT_HELPER, NOT_HELPER),
    "POST /api/v1/asks/{ask_id}/messages":
        row(SIGN_IN, NOT_PARTY, 201, 201, HIDDEN, SUSPENDED, NOT_PARTY, NOT_PARTY),
    "POST /api/v1/asks/{ask_id}/pass":
        row(SIGN_IN, 204, (403, "own_ask"), 204, HIDDEN, SUSPENDED, 204, 204),
    "POST /api/v1/asks/{ask_id}/thanks":
        row(SIGN_IN, NOT_AUTHOR, 201, NOT_AUTHOR, HIDDEN, SUSPENDED, NOT_AUTHOR, NOT_AUTHOR),
    "POST /api/v1/asks/{ask_id}/withdraw":
        row(SIGN_IN, NOT_HELPER, NOT_HELPER, 200, HIDDEN, SUSPENDED, NOT_HELPER, NOT_HELPER),
    # The links from account mail: the link's token is the authority, whoever opens it.
    "POST /api/v1/auth/email/confirm":
        row(204, 204, 204, 204, 204, 204, 204, 204),
    "POST /api/v1/auth/login":
        row(200, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/v1/auth/logout":
        row(204, 204, 204, 204, 204, 204, 204, 204),
    "POST /api/v1/auth/password-reset":
        row(202, 202, 202, 202, 202, 202, 202, 202),
    "POST /api/v1/auth/password-reset/confirm":
        row(204, 204, 204, 204, 204, 204, 204, 204),
    "POST /api/v1/auth/register":
        row(201, 201, 201, 201, 201, 201, 201, 201),
    "POST /api/v1/auth/tokens":
        row(201, 201, 201, 201, 201, 201, 201, 201),
    "POST /api/v1/flags":
        row(SIGN_IN, 201, 201, 201, 201, SUSPENDED, 201, 201),
    "POST /api/v1/mail/unsubscribe":  # no token in the example: the link itself is missing
        row(422, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/v1/me/email/verify":
        row(SIGN_IN, 202, 202, 202, 202, SUSPENDED, 202, 202),
    "POST /api/v1/me/push-subscriptions":
        row(SIGN_IN, 201, 201, 201, 201, SUSPENDED, 201, 201),
    "POST /api/v1/members/{handle}/block":
        row(SIGN_IN, 204, (422, "invalid"), 204, 204, SUSPENDED, 204, 204),
    "POST /api/v1/mod/asks/{ask_id}/hide":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "POST /api/v1/mod/asks/{ask_id}/restore":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "POST /api/v1/mod/flags/{flag_id}/claim":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "POST /api/v1/mod/flags/{flag_id}/resolve":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "POST /api/v1/mod/members/{handle}/reinstate":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "POST /api/v1/mod/members/{handle}/role":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, (403, "admin_only"), 200),
    "POST /api/v1/mod/members/{handle}/warn":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "POST /api/v1/mod/members/{handle}/suspend":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 200, 200),
    "POST /api/v1/mod/transfers/{transfer_id}/reverse":
        row(SIGN_IN, STAFF, STAFF, STAFF, STAFF, STAFF, 201, 201),
    "POST /api/v1/notifications/read":
        row(SIGN_IN, 200, 200, 200, 200, SUSPENDED, 200, 200),
}


@pytest.fixture(scope="module")
def app(db, database_url, tmp_path_factory):
    return module_app(db, module_settings(database_url, tmp_path_factory))


@pytest.fixture(scope="module")
def world(app, db):
    """The people and things every cell acts on, and a snapshot to put them back."""
    settings = app.extensions["exchange"].settings
    with seeding(db, settings) as seed:
        people = {name: seed.member(name) for name in
                  ("alice", "bob", "carol", "dave", "erin", "mo", "ada", "tess", "fred")}
        alice, bob, tess = people["alice"], people["bob"], people["tess"]
        things = {"open": seed.ask(alice), "matched": seed.matched(alice, bob),
                  "confirmed": seed.confirmed(alice, bob), "tess_open": seed.ask(tess),
                  "tess_hidden": seed.ask(tess, title="Look over my cover letter")}
        things["transfer"] = seed.transfer_of(things["confirmed"])
        things["flag"] = seed.flag(people["fred"], tess)
        seed.set(people["mo"], role="moderator")
        seed.set(people["ada"], role="admin")
        seed.uow.flush()
        ada = seed._row(people["ada"])
        actions.set_ask_hidden(seed.uow, actor=ada, ask_id=things["tess_hidden"], hidden=True,
                               reason="setup")
        seed.block_between(alice, people["dave"])
        seed.uow.flush()
        sanctions.suspend(seed.uow, actor=ada, handle="erin", days=3, reason="setup")
    things["links"] = link_tokens(db, settings, people["tess"]["id"])
    roles = {"anonymous": None, "member": people["carol"], "author": alice, "helper": bob,
             "blocked": people["dave"], "suspended": people["erin"], "moderator": people["mo"],
             "admin": people["ada"]}
    return roles, people, things, Snapshot(db)


def _request(route, people, things):
    verb = route.path.rsplit("/", 1)[-1]
    ask = things[ASK_FOR.get(route.key) or TARGETS.get(verb, "open")]
    ids = {"ask_id": ask, "handle": HANDLE_FOR.get(route.key, "alice"),
           "flag_id": things["flag"], "transfer_id": things["transfer"],
           "member_id": people["tess"]["id"], **things["links"]}
    url = route.url(**{name: ids[name] for name, _ in route.params})
    body = example_body(route, ids)
    return url, ({"json": body} if body is not None else {})


def _outcome(response):
    body = response.get_json(silent=True) or {}
    if response.status_code < 400 or "reason" not in body:
        return response.status_code
    return (response.status_code, body["reason"])


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, tuple) and value[0] == 302:
        return f"302 → `{value[1]}`"
    if isinstance(value, tuple):
        return f"{value[0]} `{value[1]}`"
    return f"**{value}**" if isinstance(value, int) and value < 300 else str(value)


def markdown_tables() -> str:
    """The matrix as ``docs/authorization.md`` shows it."""
    head = "| | " + " | ".join(ROLES) + " |\n|" + " --- |" * (len(ROLES) + 1) + "\n"
    routes = "".join(f"| `{key.replace(PREFIX, '')}` | "
                     + " | ".join(_cell(row[r]) for r in ROLES) + " |\n"
                     for key, row in MATRIX.items())
    events = "".join(f"| `{event}` | " + " | ".join(_cell(row[r]) for r in ROLES) + " |\n"
                     for event, row in SOCKET_MATRIX.items())
    pages = "".join(f"| `{key}` | " + " | ".join(_cell(row[r]) for r in ROLES) + " |\n"
                    for key, row in PAGE_MATRIX.items())
    return (head + routes + "\n" + head.replace("| |", "| event |", 1) + events + "\n"
            + head.replace("| |", "| page |", 1) + pages)


def test_the_docs_show_this_matrix():
    doc = (Path(__file__).parents[2] / "docs" / "authorization.md").read_text()
    assert markdown_tables() in doc, (
        "docs/authorization.md is out of date: paste `python -m tests.moderation.test_matrix`")


def test_every_route_has_a_row_and_every_row_a_route():
    declared = {r.key for r in ROUTES}
    assert declared - set(MATRIX) == set(), "routes without a row in the matrix"
    assert set(MATRIX) - declared == set(), "rows for routes that no longer exist"
    for key, row in MATRIX.items():
        assert tuple(row) == ROLES, f"{key}: one cell per role, in order"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_route_answers_every_role_as_the_matrix_says(client, db, world, route):
    roles, people, things, snapshot = world
    expected = MATRIX.get(route.key, {})
    got, wrong = {}, []
    snapshot.restore()
    for role in ROLES:
        url, body = _request(route, people, things)
        response = Checker(client, db, roles[role])(route.method, url, **body)
        got[role] = _outcome(response)
        if role in expected and got[role] != expected[role]:
            wrong.append(f"{role}: expected {expected[role]!r}, got {got[role]!r} "
                         f"{response.get_json(silent=True)}")
        if response.status_code < 400 and route.writes:
            empty_tables(db)
            snapshot.restore()
    if RECORD:
        print(f"MATRIX {route.key!r}: {got!r},")
    assert not wrong, "\n".join(wrong)


# --- pages: every browser page × roles, signed in with the browser session --------------------
# A cell is the status, or (302, where to) for a redirect.
TO_SIGNIN, TO_HOME = (302, "/signin"), (302, "/home")
PAGE_MATRIX: dict[str, dict[str, object]] = {
    # Roles:         anonymous, member, author, helper, blocked, suspended, moderator, admin
    "GET /": row(200, TO_HOME, TO_HOME, TO_HOME, TO_HOME, TO_HOME, TO_HOME, TO_HOME),
    "GET /signin": row(200, TO_HOME, TO_HOME, TO_HOME, TO_HOME, TO_HOME, TO_HOME, TO_HOME),
    "GET /join": row(200, TO_HOME, TO_HOME, TO_HOME, TO_HOME, TO_HOME, TO_HOME, TO_HOME),
    "GET /home": row(TO_SIGNIN, 200, 200, 200, 200, 200, 200, 200),
    "GET /profile": row(TO_SIGNIN, 200, 200, 200, 200, 200, 200, 200),
    "GET /moderate": row(TO_SIGNIN, 404, 404, 404, 404, 404, 200, 200),
    # The shell only, for any handle: the member comes from GET /api/v1/mod/members/{handle}.
    "GET /moderate/members/<handle>": row(TO_SIGNIN, 404, 404, 404, 404, 404, 200, 200),
    # The shell only; the profile itself comes from GET /api/v1/members/{handle} (above).
    "GET /members/<handle>": row(TO_SIGNIN, 200, 200, 200, 200, 200, 200, 200),
    # The shell only, for any ask id: the ask comes from GET /api/v1/asks/{id}, which decides.
    "GET /asks/<ask_id>": row(TO_SIGNIN, 200, 200, 200, 200, 200, 200, 200),
    # One's own ledger, drawn on the server: nobody else's is reachable.
    "GET /ledger": row(TO_SIGNIN, 200, 200, 200, 200, 200, 200, 200),
    # The service worker, from the site root so its scope is the whole site.
    "GET /sw.js": row(200, 200, 200, 200, 200, 200, 200, 200),
    "GET /healthz": row(200, 200, 200, 200, 200, 200, 200, 200),
    # Readiness names its parts, for anyone (a load balancer); this app has no Redis: 503.
    "GET /readyz": row(503, 503, 503, 503, 503, 503, 503, 503),
    # Operators only: the metrics token, or loopback when none is set (the test client is).
    "GET /metrics": row(200, 200, 200, 200, 200, 200, 200, 200),
    # Reached from an email: the link's token decides, whoever is signed in (no token here,
    # so each page kindly says the link is incomplete).
    "GET /offer/accept": row(200, 200, 200, 200, 200, 200, 200, 200),
    "GET /offer/pass": row(200, 200, 200, 200, 200, 200, 200, 200),
    "GET /unsubscribe": row(200, 200, 200, 200, 200, 200, 200, 200),
    # Opened from account mail, signed in or not: the link's token is what counts.
    "GET /forgot": row(200, 200, 200, 200, 200, 200, 200, 200),
    "GET /reset": row(200, 200, 200, 200, 200, 200, 200, 200),
    "GET /verify": row(200, 200, 200, 200, 200, 200, 200, 200),
}


CONVERTER = re.compile(r"<(?:[^<>]*:)?(\w+)>")


def page_routes(app) -> list[str]:
    """``GET /members/<handle>``: converters left out, as the rows name them."""
    return sorted("GET " + CONVERTER.sub(r"<\1>", r.rule) for r in app.url_map.iter_rules()
                  if not r.rule.startswith((PREFIX, "/static/")) and "GET" in r.methods)


def test_every_page_has_a_row(app):
    assert page_routes(app) == sorted(PAGE_MATRIX)
    for key, cells in PAGE_MATRIX.items():
        assert tuple(cells) == ROLES, key


@pytest.mark.parametrize("role", ROLES)
def test_the_pages_answer_every_role_as_the_matrix_says(app, world, role):
    roles, people, things, snapshot = world
    snapshot.restore()
    browser = app.test_client()
    if roles[role] is not None:
        r = browser.post(PREFIX + "/auth/login",
                         json={"login": roles[role]["handle"], "password": PASSWORD})
        assert r.status_code == 200, r.get_json()
    got = {}
    for key in PAGE_MATRIX:
        r = browser.get(key.split(" ", 1)[1].replace("<ask_id>", "1"))
        got[key] = (302, urlsplit(r.location).path) if r.status_code == 302 else r.status_code
    assert got == {key: cells[role] for key, cells in PAGE_MATRIX.items()}


# --- Socket.IO: the server's handlers × roles -------------------------------------------------
# connect: which rooms the server put the socket in ("refused": none, the connection failed).
# disconnect: what is left of the socket afterwards (None: it never connected).
# Any other event a client sends is ignored: the socket is push only. Everyone, moderators
# included, is in their own room and no other member's: mod.flagged is a stored notification
# per moderator. Besides it, the feed rooms of their own skills, which carry only the
# feed.closed signal (an ask id and why; docs/decisions/0021-closed-ask-signal.md).
OWN, REFUSED, GONE = "own room + own feeds", "refused", "nothing left"
SOCKET_MATRIX: dict[str, dict[str, object]] = {
    # Roles:    anonymous, member, author, helper, blocked, suspended, moderator, admin
    "connect": row(REFUSED, OWN, OWN, OWN, OWN, REFUSED, OWN, OWN),
    "disconnect": row(None, GONE, GONE, GONE, GONE, None, GONE, GONE),
}


def test_every_socket_handler_has_a_row(app):
    handlers = set(app.extensions["socketio"].server.handlers["/"])
    assert handlers == set(SOCKET_MATRIX)
    for event, cells in SOCKET_MATRIX.items():
        assert tuple(cells) == ROLES, event


def _rooms(sio, db, sid, who) -> str:
    rooms = set(sio.server.manager.get_rooms(sid, "/")) - {sid}
    with db.session(write=False) as s:
        skills = skill_tags(s, who["id"])
    mine = {member_room(who["id"]), *member_feed_rooms(skills)}
    return OWN if rooms == mine else f"rooms {sorted(rooms)}"


@pytest.mark.parametrize("role", ROLES)
def test_the_socket_answers_every_role_as_the_matrix_says(app, db, world, role):
    roles, people, things, snapshot = world
    snapshot.restore()
    sio, sockets, who = app.extensions["socketio"], app.extensions["sockets"], roles[role]
    auth = {"token": who["headers"]["Authorization"].split(" ", 1)[1]} if who else {}
    client = sio.test_client(app, auth=auth)
    if not client.is_connected():
        assert (REFUSED, None) == (SOCKET_MATRIX["connect"][role],
                                   SOCKET_MATRIX["disconnect"][role])
        return
    sid = sio.server.manager.sid_from_eio_sid(client.eio_sid, "/")
    assert _rooms(sio, db, sid, who) == SOCKET_MATRIX["connect"][role]

    before = row_counts(db)
    for event in ("accept", "ask.accept", "join", "enter_room", "message"):
        client.emit(event, {"ask_id": things["open"], "room": "moderators", "body": "hi"})
    assert row_counts(db) == before, "a client event wrote something"
    assert _rooms(sio, db, sid, who) == SOCKET_MATRIX["connect"][role], "a client event moved rooms"

    client.disconnect()
    left = sio.server.manager.get_rooms(sid, "/") or sockets.matching(member_id=who["id"])
    assert (GONE if not left else f"left {left}") == SOCKET_MATRIX["disconnect"][role]


if __name__ == "__main__":
    print(markdown_tables(), end="")
