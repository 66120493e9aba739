"""The ledger page (/ledger): each help given and received, minutes by month drawn on the
server as SVG (no script, no chart library), and the invitation to ask for someone who has only
given. The browser side (phone width, no overflow) is in tests/e2e."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import time_machine
from sqlalchemy import select

from exchange.asks import ledger_history as history
from exchange.ledger.models import Transfer
from exchange.members.admin import set_role
from exchange.members.models import Member
from tests.conftest import PASSWORD

BAR = re.compile(r'<rect class="bar (given|received)" data-month="([0-9-]+)" '
                 r'data-minutes="(\d+)"')


def _browser(api, handle):
    """A second client for ``handle`` signed in with the session cookie, as a browser is."""
    browser = api.client.application.test_client()
    r = browser.post("/api/v1/auth/login", json={"login": handle, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    return browser


def _bars(html: str) -> dict[tuple[str, str], int]:
    return {(side, month): int(n) for side, month, n in BAR.findall(html)}


def test_a_visitor_is_sent_to_sign_in_first(client):
    r = client.get("/ledger")
    assert r.status_code == 302 and r.location.endswith("/signin?next=/ledger")


def test_each_help_given_and_received_is_listed_with_the_ask_and_the_other_person(api):
    alice, bob = api.member("alice"), api.member("bob")
    api.confirmed(alice, bob, minutes=20, title="Read my cover letter please")
    api.confirmed(bob, alice, minutes=35, title="Check my spreadsheet formulas")
    page = _browser(api, "alice").get("/ledger")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "You've given 35 minutes and received 20 minutes." in html
    given, received = re.findall(r'<li data-side="([^"]+)">', html)
    assert (given, received) == ("given", "received")  # newest first
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Given: 35 minutes to Bob" in text and "“Check my spreadsheet formulas”" in text
    assert "Received: 20 minutes from Bob" in text and "“Read my cover letter please”" in text


def test_the_chart_shows_this_months_minutes_both_ways_and_eleven_months_before(api):
    alice, bob = api.member("alice"), api.member("bob")
    api.confirmed(alice, bob, minutes=20)
    html = _browser(api, "bob").get("/ledger").get_data(as_text=True)
    bars = _bars(html)
    month = datetime.now(UTC).strftime("%Y-%m")
    assert len(bars) == 24  # twelve months, two bars each
    assert bars[("given", month)] == 20 and bars[("received", month)] == 0
    assert sum(bars.values()) == 20
    assert '<svg class="chart"' in html and 'role="img"' in html
    assert "<script>" not in html and "style=" not in html.split('<svg class="chart"')[1]
    assert "you gave 20 minutes and received 0 minutes" in html


def test_months_are_the_members_own(api, db):
    alice, bob = api.member("alice"), api.member("bob", timezone="Europe/Paris")
    with time_machine.travel(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), tick=False):
        api.confirmed(alice, bob, minutes=25)  # already 1 December in Paris
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    with db.session() as session:
        paris = history.by_month(session, member_id=bob["id"], timezone="Europe/Paris", now=now)
        utc = history.by_month(session, member_id=bob["id"], timezone="UTC", now=now)
    assert [(m.key, m.given) for m in paris[-2:]] == [("2026-11", 0), ("2026-12", 25)]
    assert [(m.key, m.given) for m in utc[-2:]] == [("2026-11", 25), ("2026-12", 0)]
    assert paris[0].key == "2026-01" and paris[-1].label == "Dec 2026"


def test_a_reversed_help_is_listed_as_taken_back_and_nets_out_of_its_month(api, make_uow):
    alice, bob, moddy = api.member("alice"), api.member("bob"), api.member("moddy")
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, moddy["id"]), role="moderator")
        uow.commit()
    ask = api.confirmed(alice, bob, minutes=30, title="Proofread a short bio")
    with make_uow() as uow:
        transfer_id = uow.session.scalar(select(Transfer.id).where(Transfer.ask_id == ask["id"]))
    r = api.call(moddy, "POST", f"/mod/transfers/{transfer_id}/reverse",
                 json={"reason": "Recorded by mistake"})
    assert r.status_code == 201, r.get_json()
    html = _browser(api, "bob").get("/ledger").get_data(as_text=True)
    assert re.findall(r'<li data-side="([^"]+)">', html) == ["given, taken back", "given"]
    assert "Proofread a short bio" in html.split('data-side="given, taken back"')[1]
    assert _bars(html)[("given", datetime.now(UTC).strftime("%Y-%m"))] == 0


def test_someone_who_has_only_given_is_invited_to_ask_and_the_invitation_goes_once_they_have(
        api):
    alice, bob = api.member("alice"), api.member("bob")
    api.confirmed(alice, bob)
    browser = _browser(api, "bob")
    assert 'id="invitation"' in browser.get("/ledger").get_data(as_text=True)
    assert 'id="invitation"' not in _browser(api, "alice").get("/ledger").get_data(as_text=True)
    api.confirmed(bob, alice)
    assert 'id="invitation"' not in browser.get("/ledger").get_data(as_text=True)


def test_nothing_yet_says_so_kindly(api):
    api.member("alice")
    html = _browser(api, "alice").get("/ledger").get_data(as_text=True)
    assert "Nothing given or received yet." in html and 'id="helps-empty"' in html
    assert 'id="invitation"' not in html


def test_older_helps_come_a_page_at_a_time(api, db):
    alice, bob = api.member("alice"), api.member("bob")
    for n in range(3):
        api.confirmed(alice, bob, minutes=10 + n)
    with db.session() as session:
        first, cursor = history.lines(session, member_id=bob["id"], limit=2)
        rest, end = history.lines(session, member_id=bob["id"], cursor=cursor, limit=2)
    assert [line.minutes for line in first] == [12, 11] and cursor == first[-1].id
    assert [line.minutes for line in rest] == [10] and end is None
    browser = _browser(api, "bob")
    older = browser.get(f"/ledger?before={first[0].id}").get_data(as_text=True)
    assert re.findall(r"<strong>Given: (\d+) minutes", older) == ["11", "10"]
    assert "Back to the newest" in older


def test_a_malformed_page_cursor_shows_the_newest_page(api):
    api.member("alice")
    browser = _browser(api, "alice")
    for before in ("abc", "-4", "0", "99999999999", "1e3"):
        r = browser.get(f"/ledger?before={before}")
        assert r.status_code == 200 and "Back to the newest" not in r.get_data(as_text=True)
