"""Error pages for browsers: the same status, a page in the product's voice (lang, a title, a
main landmark, a skip link), while the API keeps answering every client in JSON."""

from __future__ import annotations

import html as markup
import re

import pytest
from flask import abort
from sqlalchemy.exc import OperationalError

from exchange.errors import RateLimited

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def broken_app(settings, db, dispatcher):
    """The app with a few routes that fail the ways real ones can."""
    from web import create_app
    app = create_app(settings, db=db, dispatcher=dispatcher)
    app.add_url_rule("/test/forbidden", "forbidden", lambda: abort(403))
    app.add_url_rule("/test/busy", "busy", lambda: (_ for _ in ()).throw(
        RateLimited("Slow down a little.", retry_after=42)))
    app.add_url_rule("/test/broken", "broken", lambda: 1 / 0)
    app.add_url_rule("/test/no-database", "no_database", _database_gone)
    app.add_url_rule("/api/v1/test/no-database", "api_no_database", _database_gone,
                     methods=["GET", "POST"])
    return app


def _database_gone():
    """What SQLAlchemy raises when the server is down (``tests/integration/
    test_database_outage.py`` meets the real thing)."""
    from web.state import uow
    uow()  # a unit of work is open, as in a real request, and is closed by the handler
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def _page(response) -> str:
    assert response.mimetype == "text/html", response.data[:200]
    html = markup.unescape(response.get_data(as_text=True))
    assert '<html lang="en">' in html
    assert re.search(r"<title>[^<]+ · The exchange</title>", html)
    assert re.search(r'<main id="main"', html)
    assert '<a class="skip" href="#main">' in html
    return html


@pytest.mark.parametrize(("path", "status", "words"), [
    ("/no/such/page", 404, "We couldn't find that page"),
    ("/test/forbidden", 403, "This page isn't open to you"),
    ("/test/busy", 429, "Let's take a short breather"),
    ("/test/broken", 500, "Something went wrong on our side"),
    ("/test/no-database", 503, "The exchange is catching its breath"),
])
def test_a_browser_gets_a_kind_page_with_the_same_status(broken_app, path, status, words):
    r = broken_app.test_client().get(path, headers=HTML)
    assert r.status_code == status
    html = _page(r)
    assert f"<h1>{words}</h1>" in html
    assert "Traceback" not in html and "ZeroDivisionError" not in html


def test_the_wait_is_said_in_words_and_the_header_stays(broken_app):
    r = broken_app.test_client().get("/test/busy", headers=HTML)
    assert r.headers["Retry-After"] == "42"
    assert "Please try again in about 42 seconds." in _page(r)


def test_the_api_keeps_its_json_even_for_a_browser(broken_app):
    client = broken_app.test_client()
    r = client.get("/api/v1/no-such-thing", headers=HTML)
    assert r.status_code == 404 and r.is_json and r.get_json()["code"] == 404
    r = client.get("/api/v1/asks", headers=HTML)
    assert r.status_code == 401 and r.is_json


def test_a_client_that_asks_for_json_gets_json(broken_app):
    r = broken_app.test_client().get("/no/such/page", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.is_json


def test_a_signed_out_visitor_is_sent_to_the_front_page_from_an_error(broken_app):
    html = _page(broken_app.test_client().get("/nowhere", headers=HTML))
    assert "the exchange's front page" in html


def test_an_unreachable_database_is_a_503_to_retry_not_a_500(broken_app, caplog):
    client = broken_app.test_client()
    for _ in range(3):
        r = client.get("/api/v1/test/no-database", headers=HTML)
        assert r.status_code == 503 and r.is_json, r.data[:200]
        assert r.get_json()["reason"] == "unavailable"
        assert r.headers["Retry-After"].isdigit()
    assert "Please try again in about" in _page(client.get("/test/no-database", headers=HTML))
    assert not [rec for rec in caplog.records if rec.exc_info]  # no traceback per request


def test_a_signed_in_caller_who_meets_a_deadlock_gets_the_503_not_an_exception(broken_app):
    """PostgreSQL's "deadlock detected" is an OperationalError too: a 503 to retry. The caller
    was loaded into the request's session, which the 503 closes; the security log line read
    the caller's id after that and raised (found by tests/workers/test_kill_during_run.py)."""
    from tests.conftest import Api
    client = broken_app.test_client()
    who = Api(client).member("caught")
    r = client.post("/api/v1/test/no-database", headers=who["headers"])
    assert r.status_code == 503 and r.get_json()["reason"] == "unavailable", r.data[:200]
