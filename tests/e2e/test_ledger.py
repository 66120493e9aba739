"""The ledger page in Chromium: reached from home, its chart drawn (inline SVG, no script) and
fitting a phone's width, the invitation to ask leading back to the ask form."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow
ARTIFACTS = Path(os.environ.get("EXCHANGE_TEST_ARTIFACTS", "test-artifacts")) / "screenshots"


def test_the_ledger_page_from_home_with_its_chart_at_phone_width(visit, job_api):
    asker, helper = job_api.member("asker", display_name="Alex"), job_api.member("helper")
    job_api.confirmed(asker, helper, minutes=25, title="Help me plan a budget spreadsheet")
    visitor = visit()
    page = visitor.sign_in("helper")
    page.click("text=Given and received")
    expect(page.locator("h1")).to_have_text("Given and received")
    expect(page.locator("#helps li").first).to_contain_text("Given: 25 minutes to Alex")
    expect(page.locator("svg.chart rect.bar.given[data-minutes='25']")).to_have_count(1)
    box = page.locator("svg.chart").bounding_box()
    assert box["width"] > 300 and box["height"] > 60  # drawn, not collapsed
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "ledger-1280.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    fits = page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert fits, "the ledger page scrolls sideways at 360 px"
    page.screenshot(path=ARTIFACTS / "ledger-360.png", full_page=True)
    page.click("#invitation a")
    page.wait_for_url("**/home#ask")
    expect(page.locator("#ask input[name=title]")).to_be_visible()


def test_a_giver_who_has_never_asked_meets_an_invitation_on_home(visit, job_api):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    visitor = visit()
    job_api.confirmed(asker, helper)
    page = visitor.sign_in("helper")
    expect(page.locator("#balance")).to_contain_text("given 15 minutes")
    expect(page.locator("#invitation")).to_be_hidden()  # once is not yet "several times"
    job_api.confirmed(asker, helper)
    page.reload()
    invitation = page.locator("#invitation")
    expect(invitation).to_contain_text("You've helped 2 times — thank you.")
    invitation.locator("a").click()
    expect(page.locator("#ask-title")).to_be_focused()
    job_api.confirmed(helper, asker)  # they asked, and were helped
    page.reload()
    expect(page.locator("#balance")).to_contain_text("received 15 minutes")
    expect(page.locator("#invitation")).to_be_hidden()
