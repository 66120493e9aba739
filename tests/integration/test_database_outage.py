"""PostgreSQL goes away and comes back: the exchange says so, and recovers by itself (issue 13).

A cluster of the test's own (``tests/fixtures/throwaway_postgres.py``) carries the production
web command (gunicorn, docker-compose.yml's) and a real ``exchange worker``. The cluster is
stopped the hard way (``pg_ctl stop -m immediate``): every request that needs the database
answers 503 with ``Retry-After`` — JSON for the API, a page in the product's voice for a
browser — inside the request's 5 s timeout, never a hang or a 500; ``/readyz`` names the
database while ``/healthz`` (liveness) stays 200. Started again, the same processes serve
requests and match a new ask without being restarted.

The cluster is its own, whatever ``EXCHANGE_TEST_DB`` says, so this runs in both halves of the
suite (on PostgreSQL by nature); only Redis is the run's.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import select

from benchmarks.live import LiveExchange, seed_members
from exchange import migrate
from exchange.db import Database
from exchange.offers.models import Offer
from tests.conftest import PASSWORD
from tests.fixtures.throwaway_postgres import ThrowawayPostgres
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

ANSWER_SECONDS = 5  # the bound on every answer while the database is away
PAGE = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def cluster():
    with ThrowawayPostgres() as pg:
        migrate.upgrade(pg.url)
        yield pg


@pytest.fixture
def exchange_db(cluster):
    database = Database(cluster.url)
    yield database
    database.dispose()


@pytest.fixture
def live(cluster, exchange_db, redis_url, tmp_path):
    env = {"EXCHANGE_INSTANCE_DIR": str(tmp_path / "instance"), "FLASK_SKIP_DOTENV": "1",
           "EXCHANGE_WAVE_SECONDS": "600", "EXCHANGE_SWEEP_SECONDS": "1"}
    with LiveExchange(cluster.url, redis_url, server="production", env=env) as running:
        yield running


def _offered(db: Database, ask_id: int) -> bool:
    try:
        with db.session(write=False) as s:
            return s.scalar(select(Offer.id).where(Offer.ask_id == ask_id).limit(1)) is not None
    except Exception:  # noqa: BLE001 - the test's own pool meets the restart too
        return False


def _browser(live) -> requests.Session:
    """A browser signed in with the session cookie (registered through the API)."""
    handle = f"b{uuid.uuid4().hex[:10]}"
    browser = requests.Session()
    r = browser.post(live.url + "/api/v1/auth/register", timeout=10, json={
        "handle": handle, "email": f"{handle}@example.org", "password": PASSWORD,
        "display_name": "Browser"})
    assert r.status_code == 201, r.text
    r = browser.post(live.url + "/api/v1/auth/login", timeout=10,
                     json={"login": handle, "password": PASSWORD})
    assert r.status_code == 200, r.text
    browser.headers["X-CSRFToken"] = r.json()["csrf_token"]
    return browser


def _post_ask(live, token: str, tag: str) -> requests.Response:
    return requests.post(live.url + "/api/v1/asks", timeout=ANSWER_SECONDS,
                         headers={"Authorization": f"Bearer {token}"},
                         json={"title": "Read one paragraph of my essay", "minutes": 15,
                               "tags": [tag]})


def _outage_requests(live, token: str, browser: requests.Session, tag: str):
    """What a client tries while the database is away: (name, response), each bounded by the
    request's timeout (a hang fails the test with ``ReadTimeout``)."""
    bearer = {"Authorization": f"Bearer {token}"}
    get = {"timeout": ANSWER_SECONDS}
    yield "GET /api/v1/asks", requests.get(live.url + "/api/v1/asks", headers=bearer, **get)
    yield "POST /api/v1/asks", _post_ask(live, token, tag)
    yield "sign in", requests.post(live.url + "/api/v1/auth/tokens", timeout=ANSWER_SECONDS,
                                   json={"login": "someone", "password": PASSWORD})
    yield "GET /api/v1/me (cookie)", browser.get(live.url + "/api/v1/me", **get)
    yield "page /home", browser.get(live.url + "/home", headers=PAGE, **get)
    yield "page /", browser.get(live.url + "/", headers=PAGE, **get)


def test_a_database_outage_answers_503_and_everything_recovers_when_it_is_back(
        cluster, exchange_db, live):
    tag = f"t{uuid.uuid4().hex[:8]}"
    asker, _helper = seed_members(exchange_db, 2, skill=tag)
    browser = _browser(live)
    before = _post_ask(live, asker, tag)
    assert before.status_code == 201, before.text
    assert wait_until(lambda: _offered(exchange_db, before.json()["id"]), timeout=60), \
        live.log("worker")

    cluster.stop()
    for name, r in _outage_requests(live, asker, browser, tag):
        assert r.status_code == 503, (name, r.status_code, r.text[:300])
        assert r.headers.get("Retry-After", "").isdigit(), name
        if name.startswith("page"):
            assert r.headers["Content-Type"].startswith("text/html"), name
            assert "Traceback" not in r.text and "try again" in r.text, name
        else:
            assert r.json()["code"] == 503 and "try again" in r.json()["message"], name
    ready = requests.get(live.url + "/readyz", timeout=ANSWER_SECONDS)
    assert ready.status_code == 503 and "database" in ready.json()["failing"]
    assert requests.get(live.url + "/healthz", timeout=ANSWER_SECONDS).status_code == 200

    cluster.start()
    assert wait_until(lambda: requests.get(live.url + "/readyz", timeout=ANSWER_SECONDS)
                      .status_code == 200, timeout=30), live.log("web")
    feed = requests.get(live.url + "/api/v1/asks", timeout=ANSWER_SECONDS,
                        headers={"Authorization": f"Bearer {asker}"})
    assert feed.status_code == 200, feed.text
    assert browser.get(live.url + "/home", headers=PAGE, timeout=ANSWER_SECONDS).ok
    after = _post_ask(live, asker, tag)
    assert after.status_code == 201, after.text
    assert wait_until(lambda: _offered(exchange_db, after.json()["id"]), timeout=60), \
        live.log("worker")
    assert "Traceback" not in live.log("web", tail=100_000), live.log("web")
