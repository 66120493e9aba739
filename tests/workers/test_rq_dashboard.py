"""rq-dashboard at /admin/rq: there for an admin signed in through the browser, a 404 for
everyone else; it reads our JSON jobs, and its buttons cannot post around our CSRF guard."""

from __future__ import annotations

import pytest

from exchange.members.admin import create_admin
from tests.conftest import PASSWORD

DASHBOARD = "/admin/rq/"


def _sign_in(client, login: str) -> dict:
    r = client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


@pytest.fixture
def admin(make_uow):
    with make_uow() as uow:
        create_admin(uow, handle="root", email="root@example.org", password=PASSWORD)
        uow.commit()
    return "root"


@pytest.fixture
def browser(job_app):
    return job_app.test_client()


def test_anonymous_visitors_find_nothing_there(browser):
    assert browser.get(DASHBOARD).status_code == 404


def test_a_signed_in_member_who_is_not_an_admin_finds_nothing_there(browser, job_api):
    job_api.member("plain")
    _sign_in(browser, "plain")

    assert browser.get(DASHBOARD).status_code == 404


def test_an_admin_signed_in_through_the_browser_sees_the_dashboard(browser, admin):
    _sign_in(browser, admin)

    r = browser.get(DASHBOARD)

    assert r.status_code == 200
    assert b"<title>RQ dashboard</title>" in r.data


def test_an_admin_token_without_the_browser_session_finds_nothing_there(job_app, admin):
    client = job_app.test_client()
    r = client.post("/api/v1/auth/tokens", json={"login": admin, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {r.get_json()['token']}"}

    assert job_app.test_client().get(DASHBOARD, headers=headers).status_code == 404


def test_the_dashboard_reads_our_json_jobs(browser, admin, job_api):
    asker = job_api.member("asker")
    ask = job_api.ask(asker)  # enqueues its first matching wave
    _sign_in(browser, admin)

    r = browser.get("/admin/rq/0/data/jobs/matching/queued/10/asc/1.json")

    assert r.status_code == 200
    assert [job["description"] for job in r.get_json()["jobs"]] == [
        f"workers.matching.match_ask({ask['id']}, 0, 1)"]


def test_the_dashboards_own_buttons_cannot_post_without_the_csrf_token(browser, admin,
                                                                       job_api, rt):
    asker = job_api.member("asker")
    ask = job_api.ask(asker)
    _sign_in(browser, admin)

    r = browser.post(f"/admin/rq/job/match-{ask['id']}-0-1/requeue")

    assert r.status_code == 400
    assert r.get_json()["reason"] == "csrf"
    assert rt.jobs.queue("matching").job_ids == [f"match-{ask['id']}-0-1"]
