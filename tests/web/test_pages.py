"""The server-rendered pages (the browser suite in tests/e2e drives them in Chromium): who gets
which page, and that everything they load is served by the app itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from exchange.members.admin import set_role
from exchange.members.models import Member
from tests.conftest import PASSWORD

ROOT = Path(__file__).parents[2]


def _signed_in(api, handle="ada"):
    api.member(handle)
    r = api.client.post("/api/v1/auth/login", json={"login": handle, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()


@pytest.mark.parametrize("path", ["/", "/signin", "/join"])
def test_the_open_pages_render_for_anyone(client, path):
    r = client.get(path)
    assert r.status_code == 200 and r.mimetype == "text/html"


def test_home_sends_a_visitor_to_sign_in_first(client):
    r = client.get("/home")
    assert r.status_code == 302 and r.location.endswith("/signin?next=/home")


def test_a_bearer_token_is_not_a_browser_session(api, client):
    who = api.member()
    r = client.get("/home", headers=who["headers"])
    assert r.status_code == 302


def test_a_signed_in_member_gets_home_and_the_open_pages_send_them_there(api):
    _signed_in(api)
    home = api.client.get("/home")
    assert home.status_code == 200
    assert b"Hello, Ada" in home.data and b'name="csrf-token"' in home.data
    for path in ("/", "/signin", "/join"):
        assert api.client.get(path).location.endswith("/home")


def _stream_start(api) -> tuple[int, int]:
    page = api.client.get("/home").data
    return (int(re.search(rb'data-since="(\d+)"', page).group(1)),
            int(re.search(rb'data-since-seq="(\d+)"', page).group(1)))


def test_home_starts_the_live_stream_after_the_newest_notification(api, db, make_uow):
    from exchange.notifications import service as notes
    _signed_in(api)
    assert _stream_start(api) == (0, 0)  # a new member has none yet
    member_id = api.call(None, "GET", "/me").get_json()["id"]
    ids = []
    for text in ("one", "two"):
        with make_uow() as uow:
            ids.append(notes.notify(uow, member_id=member_id, kind="mod.warning",
                                    data={"message": text}).id)
            uow.commit()
    assert _stream_start(api) == (ids[1], 2)  # the latest in commit order, and its seq


def test_member_text_is_escaped_on_the_page(api):
    api.member("mal", display_name="<script>alert(1)</script>")
    api.client.post("/api/v1/auth/login", json={"login": "mal", "password": PASSWORD})
    page = api.client.get("/home").data
    assert b"<script>alert(1)</script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("path", ["/", "/signin", "/join"])
def test_pages_load_scripts_and_styles_only_from_the_app(client, path):
    html = client.get(path).get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert [s for s in sources if re.match(r"(https?:)?//", s)] == []
    for source in sources:
        if source.startswith("/static/"):
            with client.get(source) as r:  # a streamed file: closed, or it warns
                assert r.status_code == 200, source


def test_the_served_socketio_client_is_the_version_the_lock_file_pins(client):
    lock = json.loads((ROOT / "web/frontend/package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/socket.io-client"]["version"]
    with client.get("/static/vendor/socket.io.min.js") as r:
        served = r.get_data(as_text=True)
    assert f"Socket.IO v{pinned}" in served[:200]


def test_the_profile_page_needs_signing_in_and_renders_for_a_member(api, client):
    assert client.get("/profile").location.endswith("/signin?next=/profile")
    _signed_in(api)
    page = api.client.get("/profile")
    assert page.status_code == 200 and b'id="profile"' in page.data


def test_the_review_page_is_only_there_for_moderators(api, client, make_uow):
    assert client.get("/moderate").location.endswith("/signin?next=/moderate")
    _signed_in(api, "ada")
    assert api.client.get("/moderate").status_code == 404  # members: nothing here
    assert b"Review queue" not in api.client.get("/home").data
    with make_uow() as uow:
        member = uow.session.scalar(select(Member).where(Member.handle == "ada"))
        set_role(uow, member=member, role="moderator")
        uow.commit()
    assert api.client.get("/moderate").status_code == 200
    assert b"Review queue" in api.client.get("/home").data


@pytest.mark.parametrize("path", ["/asks/12", "/ledger"])
def test_the_ask_page_and_the_ledger_send_a_visitor_to_sign_in_first(client, path):
    r = client.get(path)
    assert r.status_code == 302 and r.location.endswith(f"/signin?next={path}")


def test_the_ask_page_is_a_shell_the_page_module_fills_for_any_ask_id(api):
    _signed_in(api)
    r = api.client.get("/asks/12")
    assert r.status_code == 200 and b'data-page="ask"' in r.data and b'data-ask="12"' in r.data
    assert api.client.get("/asks/0").status_code == 404
    assert api.client.get("/asks/99999999999").status_code == 404
