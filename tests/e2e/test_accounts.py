"""Accounts by email in a real browser: a forgotten password reset from the emailed link, an
address confirmed from its link, and "Your email" on the profile page — all at phone width too.

The live server enqueues the mail job in Redis; this process runs it (``run_jobs``) with links
pointing at the live server, and the test follows the link exactly as written in the .eml file.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import expect

from exchange.clock import utcnow
from tests.accounts.mail import Mailbox, link
from tests.conftest import PASSWORD
from tests.web.api_routes import set_member

pytestmark = pytest.mark.slow
NEW = "a quiet and winding river"


@pytest.fixture
def mailbox(rt, server) -> Mailbox:
    rt.settings = replace(rt.settings, base_url=server.url)  # links lead to the live server
    return Mailbox(rt.settings.mail_dir)


def test_a_forgotten_password_is_reset_from_the_emailed_link(
        visit, job_api, run_jobs, mailbox, make_uow, server):
    sam = job_api.member("sam")
    set_member(make_uow, sam["id"], email_verified_at=utcnow())
    page = visit().open("/signin")
    page.click("text=Forgot your password?")
    page.wait_for_selector("#forgot[data-ready=true]")  # its script is listening
    page.fill("#forgot input[name=email]", "sam@example.org")
    page.click("#forgot button[type=submit]")
    expect(page.locator("#forgot-sent")).to_be_visible()
    expect(page.locator("#forgot-sent")).to_contain_text("a link to choose a new password")
    run_jobs()

    emailed = link(mailbox.last("sam@example.org"))
    assert emailed.startswith(server.url + "/reset?token=")
    page.goto(emailed)
    expect(page.locator("#password-rules")).to_contain_text("At least 10 characters")
    page.fill("#reset input[name=password]", "too short")
    page.click("#reset button[type=submit]")
    password = page.locator("#reset input[name=password]")
    expect(password).to_have_attribute("aria-invalid", "true")
    note = page.locator("#reset .field-error")
    expect(note).to_contain_text("at least 10 characters")
    assert note.get_attribute("id") in password.get_attribute("aria-describedby").split()
    page.fill("#reset input[name=password]", NEW)
    page.click("#reset button[type=submit]")
    expect(page.locator("#reset-done")).to_be_visible()
    expect(page.locator("#reset-done")).to_contain_text("Your new password is saved")

    page.click("#reset-done >> text=Sign in")
    page.wait_for_url(server.url + "/signin")  # loaded, so its script is listening
    page.fill("input[name=login]", "sam")
    page.fill("input[name=password]", NEW)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/home")
    assert job_api.call(sam, "GET", "/me").status_code == 401  # the old token ended


def test_a_used_reset_link_says_so_and_offers_a_fresh_one(
        visit, job_api, run_jobs, mailbox, make_uow):
    sam = job_api.member("sam")
    set_member(make_uow, sam["id"], email_verified_at=utcnow())
    job_api.client.post("/api/v1/auth/password-reset", json={"email": "sam@example.org"})
    run_jobs()
    emailed = link(mailbox.last("sam@example.org"))
    for password, outcome in ((NEW, "#reset-done"), ("another quiet river", "#reset-stale")):
        page = visit().page
        page.goto(emailed)
        page.fill("#reset input[name=password]", password)
        page.click("#reset button[type=submit]")
        expect(page.locator(outcome)).to_be_visible()
    expect(page.locator("#reset-stale")).to_contain_text("already been used")
    expect(page.locator("#reset-stale a")).to_have_attribute("href", "/forgot")


def test_an_address_is_confirmed_from_its_link_with_one_button(
        visit, job_api, run_jobs, mailbox):
    sam = job_api.member("sam")
    run_jobs()
    page = visit().page
    page.goto(link(mailbox.last("sam@example.org")))
    assert job_api.call(sam, "GET", "/me").get_json()["email_verified"] is False  # opening: no
    page.click("text=Confirm my address")
    expect(page.locator("#verify-done")).to_be_visible()
    expect(page.locator("#verify-done")).to_contain_text("your address is confirmed")
    assert job_api.call(sam, "GET", "/me").get_json()["email_verified"] is True


def test_your_email_on_the_profile_sends_the_link_again_and_changes_the_address(
        visit, job_api, run_jobs, mailbox):
    job_api.member("sam")
    page = visit().sign_in("sam")
    page.goto(page.url.replace("/home", "/profile"))
    section = page.locator("#account[data-ready=true]")
    expect(section.locator(".email")).to_have_text("sam@example.org")
    expect(section.locator(".state")).to_have_text("not confirmed yet")
    section.locator("button.again").click()
    expect(section.locator(".sent")).to_be_visible()
    expect(section.locator(".sent")).to_contain_text("sent the link again")
    section.locator("input[name=email]").fill("sam@new.example")
    section.locator("#change-email button[type=submit]").click()
    expect(section.locator(".pending")).to_contain_text("We've sent a link to sam@new.example")
    expect(section.locator(".email")).to_have_text("sam@example.org")  # until it's confirmed
    run_jobs()
    assert mailbox.subjects("sam@new.example") == ["Please confirm your new email address"]


@pytest.mark.parametrize("path", ["/forgot", "/reset?token=x", "/verify?token=x", "/profile"])
def test_the_account_pages_fit_a_phone(browser, server, job_api, path):
    job_api.member("sam")
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        page.goto(server.url + "/signin")
        page.fill("input[name=login]", "sam")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server.url + "/home")
        page.goto(server.url + path)
        page.wait_for_selector("body[data-page] button")
        if path == "/profile":
            page.wait_for_selector("#account[data-ready=true]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
