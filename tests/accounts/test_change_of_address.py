"""Changing address: the new one waits for its link, the old one hears of it; an address
another account has gets the same answer and no link; confirming twice, an address taken in
between and an account closed in between are all handled kindly."""

from __future__ import annotations

from exchange.members.addresses import change_link_payload
from exchange.members.models import Member
from tests.accounts.mail import links_in, text, token, verified_member
from tests.conftest import PASSWORD
from tests.web.api_routes import set_member

CHANGE = "Please confirm your new email address"
NOTICE = "Your email address is about to change"


def change(api, who, email: str):
    return api.call(who, "PATCH", "/me", json={"email": email})


def confirm(api, value: str):
    return api.client.post("/api/v1/auth/email/confirm", json={"token": value})


def sign_in(api, login: str):
    return api.client.post("/api/v1/auth/tokens", json={"login": login, "password": PASSWORD})


def test_a_new_address_waits_for_its_link_and_the_old_one_is_told(job_api, run_jobs, mailbox):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    r = change(job_api, sam, "Sam@New.example")
    assert r.status_code == 200
    assert (r.get_json()["email"], r.get_json()["pending_email"]) == (
        "sam@example.org", "sam@new.example")
    run_jobs()
    assert mailbox.subjects("sam@new.example") == [CHANGE]
    notice = mailbox.last("sam@example.org")
    assert notice["Subject"] == NOTICE and "sam@new.example" in text(notice)
    assert links_in([notice]) == []  # the old address gets no link that could make the change


def test_the_link_makes_the_new_address_the_verified_email(job_api, run_jobs, mailbox):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    change(job_api, sam, "sam@new.example")
    run_jobs()
    assert confirm(job_api, token(mailbox.last("sam@new.example"))).status_code == 204
    me = job_api.call(sam, "GET", "/me").get_json()
    assert (me["email"], me["email_verified"], me["pending_email"]) == (
        "sam@new.example", True, None)
    assert sign_in(job_api, "sam@new.example").status_code == 201
    assert sign_in(job_api, "sam@example.org").status_code == 401


def test_confirming_the_change_twice_is_fine(job_api, run_jobs, mailbox):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    change(job_api, sam, "sam@new.example")
    run_jobs()
    link = token(mailbox.last("sam@new.example"))
    assert [confirm(job_api, link).status_code for _ in range(2)] == [204, 204]


def test_an_address_another_account_has_gets_the_same_answer_and_no_link(
        job_api, run_jobs, mailbox):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    job_api.member("kim")
    run_jobs()
    free = change(job_api, sam, "free@example.org").get_json()
    taken = change(job_api, sam, "kim@example.org").get_json()
    assert {**free, "pending_email": "kim@example.org"} == taken
    run_jobs()
    assert mailbox.subjects("kim@example.org") == [
        "Please confirm your email address", "Someone tried to join with your email address"]
    assert mailbox.subjects("sam@example.org")[-2:] == [NOTICE, NOTICE]


def test_the_pending_address_is_sent_again_on_request(job_api, run_jobs, mailbox):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    change(job_api, sam, "sam@new.example")
    r = job_api.call(sam, "POST", "/me/email/verify")
    assert r.status_code == 202 and r.get_json()["pending_email"] == "sam@new.example"
    run_jobs()
    assert mailbox.subjects("sam@new.example") == [CHANGE, CHANGE]


def test_going_back_to_the_address_you_have_cancels_the_change(job_api, run_jobs, mailbox):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    change(job_api, sam, "sam@new.example")
    run_jobs()
    link = token(mailbox.last("sam@new.example"))
    assert change(job_api, sam, "SAM@example.org").get_json()["pending_email"] is None
    r = confirm(job_api, link)
    assert r.status_code == 422 and r.get_json()["reason"] == "token_used"
    assert job_api.call(sam, "GET", "/me").get_json()["email"] == "sam@example.org"


def test_an_earlier_link_dies_when_a_newer_address_is_asked_for(job_api, run_jobs, mailbox):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    change(job_api, sam, "first@new.example")
    run_jobs()
    change(job_api, sam, "second@new.example")
    run_jobs()
    assert confirm(job_api, token(mailbox.last("first@new.example"))).status_code == 422
    assert confirm(job_api, token(mailbox.last("second@new.example"))).status_code == 204
    assert job_api.call(sam, "GET", "/me").get_json()["email"] == "second@new.example"


def test_an_address_another_account_took_in_the_meantime_is_not_taken_from_it(
        job_api, run_jobs, mailbox, make_uow):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    kim = job_api.member("kim")
    change(job_api, sam, "wanted@example.org")
    run_jobs()
    set_member(make_uow, kim["id"], email="wanted@example.org")
    r = confirm(job_api, token(mailbox.last("wanted@example.org")))
    assert r.status_code == 409 and r.get_json()["reason"] == "address_in_use"
    assert job_api.call(sam, "GET", "/me").get_json()["email"] == "sam@example.org"
    assert job_api.call(kim, "GET", "/me").get_json()["email"] == "wanted@example.org"


def test_a_change_asked_for_by_an_account_that_then_closed_goes_nowhere(
        job_api, run_jobs, mailbox):
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    change(job_api, sam, "sam@new.example")
    run_jobs()
    link = token(mailbox.last("sam@new.example"))
    assert job_api.call(sam, "DELETE", "/me").status_code == 204
    r = confirm(job_api, link)
    assert r.status_code == 422 and "closed" in r.get_json()["errors"]["json"]["token"][0]


def test_a_registration_whose_address_was_taken_can_move_to_its_own(
        job_api, run_jobs, mailbox):
    job_api.member("owner")
    r = job_api.client.post("/api/v1/auth/register", json={
        "handle": "sam", "email": "owner@example.org", "password": PASSWORD,
        "display_name": "Sam"})
    assert r.status_code == 201
    sam = {"headers": {"Authorization": "Bearer " + sign_in(job_api, "sam").get_json()["token"]}}
    change(job_api, sam, "sam@own.example")
    run_jobs()
    assert mailbox.subjects("owner@example.org") == [  # told once, never of sam's change
        "Please confirm your email address", "Someone tried to join with your email address"]
    assert confirm(job_api, token(mailbox.last("sam@own.example"))).status_code == 204
    assert job_api.call(sam, "GET", "/me").get_json()["email"] == "sam@own.example"


def test_a_confirm_link_names_the_address_it_replaces(job_api, db):
    """So it dies once the account's address is no longer that one."""
    sam = job_api.member("sam")
    change(job_api, sam, "sam@new.example")
    with db.session() as session:
        payload = change_link_payload(session.get(Member, sam["id"]))
    assert payload == {"m": sam["id"], "a": "sam@new.example", "o": "sam@example.org"}


def test_the_old_address_is_told_even_when_the_change_was_confirmed_first(
        job_api, run_jobs, mailbox, rt):
    """Someone else in the account, confirming from a mailbox they hold, must not silence it."""
    sam = verified_member(job_api, run_jobs, mailbox, "sam")
    change(job_api, sam, "sam@new.example")
    notice = [j for j in rt.jobs.queue("mail").job_ids if "email_change_notice" in j]
    rt.jobs.queue("mail").remove(notice[0])  # held up, say, behind a slow mail server
    run_jobs()
    confirm(job_api, token(mailbox.last("sam@new.example")))
    job = rt.jobs.queue("mail").fetch_job(notice[0])
    rt.jobs.queue("mail").enqueue_job(job)
    run_jobs()
    assert mailbox.subjects("sam@example.org")[-1] == NOTICE
