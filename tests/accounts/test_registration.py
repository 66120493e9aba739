"""Joining by email: a new address gets its verification link at once; an address another
account has is taken in silence — the same answer, no link to it, a short notice to its owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from exchange.clock import utcnow
from exchange.dispatch import Dispatcher
from exchange.errors import Conflict
from exchange.members import service as members
from exchange.members.admin import create_admin
from exchange.members.models import Member
from exchange.uow import UnitOfWork
from tests.accounts.mail import link, links_in, text, token
from tests.conftest import PASSWORD
from tests.integration.support import in_lockstep

VOLATILE = ("id", "handle", "display_name", "created_at")


def join(api, handle: str, email: str):
    return api.client.post("/api/v1/auth/register", json={
        "handle": handle, "email": email, "password": PASSWORD, "display_name": handle.title()})


def row(db, handle: str) -> Member:
    with db.session() as session:
        return session.scalar(select(Member).where(Member.handle == handle))


def test_a_new_address_is_the_members_email_unverified_with_its_link_sent_at_once(
        job_api, run_jobs, mailbox, db):
    r = join(job_api, "sam", "Sam@Example.org")
    assert r.status_code == 201
    assert (r.get_json()["email"], r.get_json()["email_verified"]) == ("sam@example.org", False)
    run_jobs()
    [message] = mailbox.messages("sam@example.org")
    assert message["Subject"] == "Please confirm your email address"
    assert "/verify?token=" in link(message) and "Hello Sam" in text(message)
    assert row(db, "sam").email == "sam@example.org"


def test_the_verification_link_confirms_the_address(job_api, run_jobs, mailbox, db):
    join(job_api, "sam", "sam@example.org")
    run_jobs()
    r = job_api.client.post("/api/v1/auth/email/confirm",
                            json={"token": token(mailbox.last("sam@example.org"))})
    assert r.status_code == 204
    assert row(db, "sam").email_verified


def test_a_taken_address_gets_the_very_same_answer_as_a_new_one(job_api):
    join(job_api, "owner", "shared@example.org")
    fresh = join(job_api, "tom", "tom@example.org")
    taken = join(job_api, "sam", "shared@example.org")
    assert (fresh.status_code, taken.status_code) == (201, 201)
    same = {k: v for k, v in fresh.get_json().items() if k not in VOLATILE}
    assert {k: v for k, v in taken.get_json().items() if k not in VOLATILE} == {
        **same, "email": "shared@example.org"}
    assert same["email"] == "tom@example.org" and same["pending_email"] is None
    assert taken.headers.get("Content-Type") == fresh.headers.get("Content-Type")


def test_a_taken_address_sends_its_owner_a_notice_and_no_link_anywhere(
        job_api, run_jobs, mailbox, db):
    join(job_api, "owner", "shared@example.org")
    run_jobs()
    before = len(mailbox.messages())
    join(job_api, "sam", "shared@example.org")
    run_jobs()
    [notice] = mailbox.messages()[before:]
    assert notice["To"] == "shared@example.org"
    assert notice["Subject"] == "Someone tried to join with your email address"
    assert "(owner)" in text(notice) and "/signin" in text(notice)
    assert links_in([notice]) == []
    sam = row(db, "sam")
    assert (sam.email, sam.pending_email, sam.email_verified_at) == (
        None, "shared@example.org", None)


def test_the_owner_hears_of_it_at_most_once_a_day(job_api, run_jobs, mailbox):
    join(job_api, "owner", "shared@example.org")
    for handle in ("sam", "tom", "kim"):
        join(job_api, handle, "shared@example.org")
    run_jobs()
    assert mailbox.subjects("shared@example.org").count(
        "Someone tried to join with your email address") == 1
    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
        join(job_api, "lee", "shared@example.org")
        run_jobs()
    assert mailbox.subjects("shared@example.org").count(
        "Someone tried to join with your email address") == 2


def test_signing_in_by_email_finds_only_the_account_that_has_the_address(job_api):
    owner = job_api.member("owner")
    join(job_api, "sam", "owner@example.org")
    by_email = job_api.client.post("/api/v1/auth/tokens",
                                   json={"login": "owner@example.org", "password": PASSWORD})
    assert by_email.get_json()["member"]["id"] == owner["id"]
    by_handle = job_api.client.post("/api/v1/auth/tokens",
                                    json={"login": "sam", "password": PASSWORD})
    assert by_handle.status_code == 201


def test_a_handle_another_member_has_is_still_a_conflict(job_api):
    join(job_api, "sam", "sam@example.org")
    r = join(job_api, "SAM", "other@example.org")
    assert r.status_code == 409 and r.get_json()["reason"] == "handle_taken"


@pytest.mark.slow
def test_many_registrations_racing_for_one_new_address_all_join_and_one_holds_it(db, settings):
    racers = 6

    def join_as(i: int) -> int:
        with UnitOfWork(db, Dispatcher(), settings) as uow:
            member = members.register(uow, handle=f"racer{i}", email="race@example.org",
                                      password=PASSWORD, display_name=f"Racer {i}")
            events = [e.purpose for e in uow.events]
            uow.commit()
            return member.id, events

    results = in_lockstep(racers, join_as)
    assert not [r for r in results if isinstance(r, Exception)], results
    with db.session() as session:
        rows = session.scalars(select(Member).where(Member.handle.like("racer%"))).all()
    holders = [m for m in rows if m.email == "race@example.org"]
    assert len(rows) == racers and len(holders) == 1
    assert all(m.pending_email == "race@example.org" for m in rows if m is not holders[0])
    purposes = sorted(p for _, events in results for p in events)
    assert purposes == ["address_in_use"] * (racers - 1) + ["verify"]


def test_an_operator_made_admin_starts_verified_and_is_sent_nothing(make_uow, db):
    with make_uow() as uow:
        admin = create_admin(uow, handle="root", email="Root@Example.org", password=PASSWORD)
        assert uow.events == []
        uow.commit()
    assert row(db, "root").email_verified and admin.role == "admin"


def test_an_operator_is_told_plainly_that_an_address_is_in_use(make_uow):
    with make_uow() as uow:
        members.register(uow, handle="sam", email="sam@example.org", password=PASSWORD,
                         display_name="Sam")
        with pytest.raises(Conflict, match="already uses that email"):
            create_admin(uow, handle="root", email="SAM@example.org", password=PASSWORD)


def test_a_new_member_starts_in_the_time_zone_their_browser_sent(job_api, db):
    body = {"handle": "sam", "email": "sam@example.org", "password": PASSWORD,
            "display_name": "Sam", "timezone": "Europe/Paris"}
    assert job_api.client.post("/api/v1/auth/register", json=body).status_code == 201
    assert row(db, "sam").timezone == "Europe/Paris"
    assert join(job_api, "noor", "noor@example.org").status_code == 201
    assert row(db, "noor").timezone == "UTC"  # nothing sent: UTC until they choose


def test_an_unknown_time_zone_is_refused_with_a_field_message_and_nobody_joins(job_api, db):
    body = {"handle": "sam", "email": "sam@example.org", "password": PASSWORD,
            "display_name": "Sam", "timezone": "Mars/Olympus_Mons"}
    r = job_api.client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 422 and "timezone" in r.get_json()["errors"]["json"]
    assert row(db, "sam") is None
