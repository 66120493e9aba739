"""Feeds and states that told something untrue (issue 12): a pass is remembered, a cancelled
ask says so when someone offers, the message box stays closed until opened, reasons read as
words, and a profile with nothing given says so instead of "0 minutes (0 times)"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow


def test_not_this_time_is_remembered_across_a_reload(visit, job_api):
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    ask = job_api.ask(asker, title="Explain a Python generator to me", tags=["python"])
    visitor = visit()
    page = visitor.sign_in("helper")
    offer = page.locator(f"#offers li[data-ask='{ask['id']}']")
    expect(offer).to_contain_text("Python generator")
    offer.locator("button.pass").click()
    expect(offer).to_have_count(0)
    assert any(u.endswith(f"/api/v1/asks/{ask['id']}/pass") for u in visitor.requests)
    page.reload()
    page.wait_for_selector("#live[data-state=live]")
    expect(page.locator("#offers li.empty")).to_be_visible()
    expect(page.locator(f"#offers li[data-ask='{ask['id']}']")).to_have_count(0)


def test_offering_on_an_ask_cancelled_meanwhile_says_it_was_cancelled(visit, job_api):
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    ask = job_api.ask(asker, title="Explain a Python generator to me", tags=["python"])
    page = visit().sign_in("helper")
    offer = page.locator(f"#offers li[data-ask='{ask['id']}']")
    expect(offer).to_contain_text("Python generator")
    assert job_api.call(asker, "POST", f"/asks/{ask['id']}/cancel").status_code == 200
    offer.locator("button.accept").click()
    expect(offer.locator(".status")).to_contain_text("This ask was cancelled")
    expect(offer.locator(".status")).not_to_contain_text("Someone else")
    expect(offer.locator("button.accept")).to_be_disabled()
    expect(offer.locator("button.pass")).to_be_enabled()


def test_the_message_box_stays_closed_until_it_is_opened(visit, job_api):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper, title="Plan a short talk about gardening")
    page = visit().sign_in("helper")
    card = page.locator(f"#helping li[data-ask='{ask['id']}']")
    expect(card).to_contain_text("gardening")
    expect(card.locator("form.say")).to_be_hidden()
    card.locator("button.talk").click()
    expect(card.locator("form.say")).to_be_visible()


def test_why_you_reads_as_words_without_code_marks(visit, job_api, run_jobs):
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    page = visit().sign_in("helper")
    job_api.ask(asker, title="Review my Python loop for an off-by-one", tags=["python"])
    run_jobs()
    why = page.locator("#offers li.fresh .why")
    expect(why).to_contain_text("you know python")
    assert "`" not in why.inner_text()


def test_a_profile_with_nothing_exchanged_yet_says_so_in_words(visit, job_api):
    job_api.member("newcomer", display_name="Noor")
    job_api.member("ada")
    page = visit().sign_in("ada")
    page.goto(page.url.replace("/home", "/members/newcomer"))
    sides = page.locator("#both-sides")
    expect(sides).to_have_text(
        "Hasn't given help yet and hasn't received help yet. Both sides count here.")
    assert "0 minutes" not in sides.inner_text() and "0 times" not in sides.inner_text()
