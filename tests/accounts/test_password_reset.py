"""Password reset: the same answer for any address, a link only to a known verified one, the
link works once and for an hour, and a new password ends every session and API token and is
announced to the address."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from exchange import tokens
from exchange.clock import utcnow
from exchange.dispatch import Dispatcher
from exchange.errors import InvalidInput
from exchange.events import TokenRevoked
from exchange.members import recovery
from exchange.members.models import Member
from exchange.members.recovery import reset_link_payload
from exchange.outbox.models import OutboxMessage
from exchange.uow import UnitOfWork
from tests.accounts.mail import link, text, token, verified_member
from tests.conftest import PASSWORD
from tests.integration.support import in_lockstep
from tests.web.api_routes import set_member

NEW = "a quiet and winding river"
RESET = "Choose a new password"
CHANGED = "Your password was changed"


def ask_reset(api, email: str):
    return api.client.post("/api/v1/auth/password-reset", json={"email": email})


def reset(api, value: str, password: str = NEW):
    return api.client.post("/api/v1/auth/password-reset/confirm",
                           json={"token": value, "password": password})


def sign_in(api, login: str, password: str):
    return api.client.post("/api/v1/auth/tokens", json={"login": login, "password": password})


def outbox_rows(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage))


def test_any_address_gets_the_same_answer_and_the_same_work(job_api, run_jobs, mailbox, db, rt):
    verified_member(job_api, run_jobs, mailbox, "sam")
    before = outbox_rows(db)
    known, unknown = ask_reset(job_api, "sam@example.org"), ask_reset(job_api, "no@example.org")
    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.get_json() == unknown.get_json()
    assert "If that address belongs to an account" in known.get_json()["message"]
    assert outbox_rows(db) == before + 2  # one mail request each; the job decides
    run_jobs()
    assert mailbox.messages("no@example.org") == []
    assert mailbox.subjects("sam@example.org")[-1] == RESET
    ran = rt.jobs.queue("mail").finished_job_registry.get_job_ids()
    assert len([j for j in ran if j.startswith("account-reset-")]) == 2


def test_an_unverified_address_gets_no_link(job_api, run_jobs, mailbox):
    job_api.member("sam")
    ask_reset(job_api, "sam@example.org")
    run_jobs()
    assert RESET not in mailbox.subjects("sam@example.org")


def test_a_pending_address_gets_no_link(job_api, run_jobs, mailbox):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    job_api.call(sam, "PATCH", "/me", json={"email": "sam@new.example"})
    ask_reset(job_api, "sam@new.example")
    run_jobs()
    assert RESET not in mailbox.subjects("sam@new.example")


def test_a_banned_member_gets_no_link(job_api, run_jobs, mailbox, make_uow):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    set_member(make_uow, sam["id"], status="banned")
    ask_reset(job_api, "sam@example.org")
    run_jobs()
    assert RESET not in mailbox.subjects("sam@example.org")


def test_the_link_sets_a_new_password_and_the_old_one_stops_working(
        job_api, run_jobs, mailbox):
    verified_member(job_api, run_jobs, mailbox, "sam")
    ask_reset(job_api, "SAM@example.org ")
    run_jobs()
    message = mailbox.last("sam@example.org")
    assert message["Subject"] == RESET and "/reset?token=" in link(message)
    assert reset(job_api, token(message)).status_code == 204
    assert sign_in(job_api, "sam", PASSWORD).status_code == 401
    assert sign_in(job_api, "sam", NEW).status_code == 201


def test_the_link_works_once(job_api, run_jobs, mailbox):
    verified_member(job_api, run_jobs, mailbox, "sam")
    ask_reset(job_api, "sam@example.org")
    run_jobs()
    value = token(mailbox.last("sam@example.org"))
    assert reset(job_api, value).status_code == 204
    again = reset(job_api, value, "another long quiet river")
    assert again.status_code == 422 and again.get_json()["reason"] == "token_used"
    assert "already been used" in again.get_json()["errors"]["json"]["token"][0]
    assert sign_in(job_api, "sam", NEW).status_code == 201


def test_the_link_expires_after_an_hour(job_api, run_jobs, mailbox):
    verified_member(job_api, run_jobs, mailbox, "sam")
    ask_reset(job_api, "sam@example.org")
    run_jobs()
    value = token(mailbox.last("sam@example.org"))
    with time_machine.travel(utcnow() + timedelta(minutes=59), tick=False):
        assert reset(job_api, value, "too short").status_code == 422  # still valid: rules bite
    with time_machine.travel(utcnow() + timedelta(minutes=61), tick=False):
        r = reset(job_api, value)
    assert r.status_code == 422 and r.get_json()["reason"] == "token_expired"
    assert sign_in(job_api, "sam", PASSWORD).status_code == 201


@pytest.mark.slow
def test_one_link_tried_by_many_at_the_same_moment_changes_the_password_once(
        db, settings, make_uow, api):
    sam = api.member("sam")
    with make_uow() as uow:
        member = uow.session.get(Member, sam["id"])
        member.email_verified_at = utcnow()
        value = tokens.sign(settings.secret_key, "reset", reset_link_payload(member))
        uow.commit()

    def try_link(i: int) -> str:
        with UnitOfWork(db, Dispatcher(), settings) as uow:
            recovery.reset_password(uow, token=value, password=f"racer number {i} river")
            uow.commit()
            return f"racer number {i} river"

    results = in_lockstep(4, try_link)
    won = [r for r in results if isinstance(r, str)]
    assert len(won) == 1, results
    assert all(isinstance(r, InvalidInput) for r in results if r not in won)
    assert api.client.post("/api/v1/auth/tokens", json={
        "login": "sam", "password": won[0]}).status_code == 201


def test_a_new_password_follows_the_registration_rules(job_api, run_jobs, mailbox):
    verified_member(job_api, run_jobs, mailbox, "sam")
    ask_reset(job_api, "sam@example.org")
    run_jobs()
    value = token(mailbox.last("sam@example.org"))
    for weak in ("short", "password123", "sam-is-my-name"):
        r = reset(job_api, value, weak)
        assert r.status_code == 422 and r.get_json()["errors"]["json"]["password"], weak
    assert reset(job_api, value).status_code == 204  # a refused password spends no link


def test_an_older_link_dies_when_the_password_changes_by_a_newer_one(job_api, run_jobs, mailbox):
    verified_member(job_api, run_jobs, mailbox, "sam")
    ask_reset(job_api, "sam@example.org")
    ask_reset(job_api, "sam@example.org")
    run_jobs()
    older, newer = (token(m) for m in mailbox.messages("sam@example.org")[-2:])
    assert reset(job_api, newer).status_code == 204
    assert reset(job_api, older).status_code == 422


def test_a_link_sent_before_a_change_of_address_dies_with_it(job_api, run_jobs, mailbox):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    ask_reset(job_api, "sam@example.org")
    job_api.call(sam, "PATCH", "/me", json={"email": "sam@new.example"})
    run_jobs()
    value = token(mailbox.messages("sam@example.org")[1])
    job_api.client.post("/api/v1/auth/email/confirm",
                        json={"token": token(mailbox.last("sam@new.example"))})
    assert reset(job_api, value).status_code == 422


def test_every_api_token_and_browser_session_ends(job_api, run_jobs, mailbox, job_app):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    other = {"headers": {"Authorization": "Bearer " + sign_in(job_api, "sam", PASSWORD)
                         .get_json()["token"]}}
    browser = job_app.test_client()
    assert browser.post("/api/v1/auth/login",
                        json={"login": "sam", "password": PASSWORD}).status_code == 200
    ask_reset(job_api, "sam@example.org")
    run_jobs()
    assert reset(job_api, token(mailbox.last("sam@example.org"))).status_code == 204
    for who in (sam, other):
        assert job_api.call(who, "GET", "/me").status_code == 401
    assert browser.get("/api/v1/me").status_code == 401
    assert sign_in(job_api, "sam", NEW).status_code == 201  # and a new one works


def test_each_ended_token_drops_its_live_sockets(dispatcher, make_uow, api, settings):
    revoked = []
    dispatcher.subscribe(TokenRevoked, revoked.append)
    sam = api.member("sam")
    api.client.post("/api/v1/auth/tokens", json={"login": "sam", "password": PASSWORD})
    with make_uow() as uow:
        member = uow.session.get(Member, sam["id"])
        member.email_verified_at = utcnow()
        payload = reset_link_payload(member)
        uow.commit()
    value = tokens.sign(settings.secret_key, "reset", payload)
    assert reset(api, value).status_code == 204
    assert len(revoked) == 2 and {e.member_id for e in revoked} == {sam["id"]}


def test_the_address_hears_that_the_password_changed(job_api, run_jobs, mailbox):
    verified_member(job_api, run_jobs, mailbox, "sam")
    ask_reset(job_api, "sam@example.org")
    run_jobs()
    reset(job_api, token(mailbox.last("sam@example.org")))
    run_jobs()
    notice = mailbox.last("sam@example.org")
    assert notice["Subject"] == CHANGED
    assert "signed out" in text(notice) and "/forgot" in text(notice)
