"""Moderation in Chromium (issue 12): hiding and suspending ask once more in the page, a reason
is required and marked so, an empty one is a sentence beside the field; the member view; the
audit log's filters and pages; the health charts redrawn live when a flag comes in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from exchange.members.admin import set_role
from exchange.members.models import Member

pytestmark = pytest.mark.slow
NEED_REASON = "Please give a reason in a few kind words: the member may read it."


def _moderator(job_api, make_uow, handle="moddy", **profile):
    who = job_api.member(handle, **profile)
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, who["id"]), role="moderator")
        uow.commit()
    return who


def _flag(job_api, target_type, target_id, reason="spam", note=""):
    r = job_api.call(job_api.member(), "POST", "/flags", json={
        "target_type": target_type, "target_id": target_id, "reason": reason, "note": note})
    assert r.status_code == 201, r.get_json()


def _hidden(job_api, who, ask) -> bool:
    return job_api.call(who, "GET", f"/asks/{ask['id']}").get_json()["hidden"]


def _note_for(page, control):
    """The text of the notes ``control`` is described by."""
    ids = (control.get_attribute("aria-describedby") or "").split()
    return " ".join(page.locator(f"[id='{i}']").inner_text() for i in ids if i)


def test_hiding_from_the_queue_needs_a_reason_and_a_second_press(visit, job_api, make_uow):
    _moderator(job_api, make_uow)
    author = job_api.member("author")
    ask = job_api.ask(author, title="Sell me followers cheap today")
    _flag(job_api, "ask", ask["id"])
    page = visit().sign_in("moddy")
    page.goto(page.url.replace("/home", "/moderate"))
    card = page.locator(f"#queue li[data-target='ask:{ask['id']}']")
    reason = card.get_by_label("Reason")
    expect(reason).to_have_attribute("required", "")
    expect(reason).to_have_attribute("aria-required", "true")
    expect(card.locator("label.reason-label")).to_contain_text("Reason (required)")

    card.get_by_role("button", name="Hide", exact=True).click()  # no reason yet
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_be_focused()
    assert _note_for(page, reason) == NEED_REASON
    expect(card.get_by_role("group")).to_have_count(0)

    reason.fill("Selling followers is not what the exchange is for.")
    expect(reason).not_to_have_attribute("aria-invalid", "true")
    hide = card.get_by_role("button", name="Hide", exact=True)
    hide.click()
    confirm = card.get_by_role("group")
    expect(confirm).to_contain_text("Hide this ask from other members? Author will be told")
    expect(confirm.get_by_role("button", name="Yes, hide it")).to_be_focused()
    confirm.get_by_role("button", name="Not now").click()
    expect(card.get_by_role("group")).to_have_count(0)
    expect(hide).to_be_focused()
    assert not _hidden(job_api, author, ask)  # nothing was sent

    hide.click()
    card.get_by_role("button", name="Yes, hide it").click()
    expect(page.locator("#queue li.empty")).to_be_visible()
    assert _hidden(job_api, author, ask)
    entry = page.locator("#audit li[data-action=hide]")
    expect(entry).to_contain_text("Moddy hid ask")
    expect(entry).to_contain_text("Reason: Selling followers is not what the exchange is for.")


def test_the_member_view_shows_asks_flags_history_and_trust_and_acts(visit, job_api,
                                                                     make_uow):
    moderator = _moderator(job_api, make_uow, display_name="Mo")
    robin, helper = job_api.member("robin", display_name="Robin"), job_api.member("helper")
    job_api.confirmed(robin, helper, title="Check my Python loop for an off-by-one")
    spam = job_api.ask(robin, title="Buy my miracle sourdough course")
    _flag(job_api, "ask", spam["id"], "spam", "An advert, not an ask.")
    r = job_api.call(moderator, "POST", "/mod/members/robin/warn",
                     json={"reason": "Please keep replies kind."})
    assert r.status_code == 200, r.get_json()

    page = visit().sign_in("moddy")
    page.goto(page.url.replace("/home", "/moderate"))
    page.locator(f"#queue li[data-target='ask:{spam['id']}']").get_by_role(
        "link", name="Everything about Robin").click()
    page.wait_for_url("**/moderate/members/robin")
    page.wait_for_selector("#modmember[data-ready]")
    expect(page.locator("h1")).to_have_text("Robin (@robin)")
    expect(page.locator("#facts")).to_contain_text("trust level 1 of 3")
    expect(page.locator(f"#asks li[data-ask='{spam['id']}']")).to_contain_text(
        "waiting for a helper")
    expect(page.locator("#asks li[data-state=confirmed]")).to_contain_text("done")
    expect(page.locator("#flags li")).to_contain_text("spam about an ask")
    expect(page.locator("#flags li")).to_contain_text("An advert, not an ask.")
    expect(page.locator("#history li").first).to_contain_text("Mo warned about Robin")
    expect(page.locator("#history li").first).to_contain_text("Reason: Please keep replies kind.")

    reason = page.get_by_label("Reason")
    expect(reason).to_have_attribute("aria-required", "true")
    card = page.locator(f"#asks li[data-ask='{spam['id']}']")
    card.get_by_role("button", name="Hide", exact=True).click()
    expect(reason).to_have_attribute("aria-invalid", "true")
    assert _note_for(page, reason) == NEED_REASON
    reason.fill("Adverts belong elsewhere; asks are for help.")
    card.get_by_role("button", name="Hide", exact=True).click()
    page.get_by_role("button", name="Yes, hide it").click()
    expect(card).to_contain_text("hidden from other members")
    expect(page.locator("#history li").first).to_contain_text("Mo hid ask")
    assert _hidden(job_api, robin, spam)

    reason.fill("Three adverts this week.")
    page.get_by_role("button", name="Suspend", exact=True).click()
    assert job_api.call(robin, "GET", "/me").get_json()["status"] == "active"
    page.get_by_role("button", name="Yes, suspend for 7 days").click()
    expect(page.locator("#facts")).to_contain_text("suspended until")
    expect(page.get_by_role("button", name="Reinstate")).to_be_visible()
    assert job_api.call(robin, "GET", "/me").get_json()["status"] == "suspended"


def test_the_audit_log_filters_and_pages(visit, job_api, make_uow):
    moderator = _moderator(job_api, make_uow, display_name="Mo")
    other = _moderator(job_api, make_uow, "otto", display_name="Otto")
    job_api.member("robin", display_name="Robin")
    for n in range(22):
        r = job_api.call(moderator, "POST", "/mod/members/robin/warn",
                         json={"reason": f"Reminder number {n + 1}."})
        assert r.status_code == 200, r.get_json()
    ask = job_api.ask(job_api.member("sam"), title="Anything at all, really")
    job_api.call(other, "POST", f"/mod/asks/{ask['id']}/hide", json={"reason": "Too vague."})

    page = visit().sign_in("moddy")
    page.goto(page.url.replace("/home", "/moderate"))
    entries = page.locator("#audit li[data-entry]")
    expect(entries).to_have_count(20)
    expect(entries.first).to_contain_text("Otto hid ask")
    page.get_by_role("button", name="Show older entries").click()
    expect(entries).to_have_count(23)
    expect(entries.last).to_contain_text("Reason: Reminder number 1.")
    expect(page.get_by_role("button", name="Show older entries")).to_be_hidden()

    form = page.locator("#audit-filters")
    form.get_by_label("Kind of action").select_option("hide")
    form.get_by_role("button", name="Show entries").click()
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Reason: Too vague.")

    form.get_by_label("Kind of action").select_option("")
    form.get_by_label("Moderator (handle)").fill("moddy")
    form.get_by_label("About member (handle)").fill("robin")
    form.get_by_role("button", name="Show entries").click()
    expect(entries.first).to_contain_text("Mo warned about Robin")
    expect(page.locator("#audit li[data-action=hide]")).to_have_count(0)

    form.get_by_label("From").fill("2026-05-02")
    until = form.get_by_label("To", exact=True)
    until.fill("2026-05-01")
    form.get_by_role("button", name="Show entries").click()
    expect(until).to_have_attribute("aria-invalid", "true")
    assert _note_for(page, until) == "Please choose an end date on or after the start date."
    words = form.inner_text()
    assert not re.search(r"semantic|Unprocessable|well-formed|until:", words), words


def test_the_health_charts_redraw_live_when_a_flag_comes_in(visit, job_api, make_uow):
    _moderator(job_api, make_uow)
    job_api.member("helper", skills=["python"], availability=[
        {"weekday": 6, "start": "09:00", "end": "12:00"},
        {"weekday": 1, "start": "09:00", "end": "12:00"}])
    page = visit().sign_in("moddy")
    page.goto(page.url.replace("/home", "/moderate"))
    page.wait_for_selector("#live[data-state=live]")
    weekdays = page.locator("figure[data-chart=weekdays] svg")
    expect(weekdays).to_have_attribute("role", "img")
    labels = weekdays.locator("text.month").all_text_contents()
    assert labels == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    values = [weekdays.locator(f"rect[data-key={d}]").get_attribute("data-value")
              for d in ("mon", "tue", "sun")]
    assert values == ["0", "1", "1"]
    this_week = page.locator("figure[data-chart=flags] rect.bar").last
    expect(this_week).to_have_attribute("data-value", "0")
    updated = page.locator("#health-updated")
    expect(updated).to_contain_text("Updated at")
    before = updated.get_attribute("data-at")

    _flag(job_api, "member", job_api.member("robin")["id"], "harassment")
    expect(this_week).to_have_attribute("data-value", "1")  # redrawn, no reload
    expect(page.locator("figure[data-chart=flags] figcaption")).to_contain_text(
        "1 flag this week")
    assert updated.get_attribute("data-at") != before
    chart = page.locator("figure[data-chart=flags] svg")
    assert chart.evaluate("svg => svg.namespaceURI") == "http://www.w3.org/2000/svg"
    box = chart.bounding_box()
    assert box["width"] > 100 and box["height"] > 30  # drawn as a picture, not as text
    expect(page.locator("#queue li[data-target^='member:']")).to_have_count(1)


def test_the_health_charts_redraw_each_minute_for_what_no_push_announces(visit, job_api,
                                                                        make_uow):
    _moderator(job_api, make_uow)
    visitor = visit()
    visitor.page.clock.install()  # the page's timers, moved on below instead of waited for
    page = visitor.sign_in("moddy")
    page.goto(page.url.replace("/home", "/moderate"))
    page.wait_for_selector("#live[data-state=live]")
    waiting = page.locator("figure[data-chart=waiting]")
    expect(waiting.locator("svg desc")).to_have_text("No ask is waiting for a helper.")
    before = page.locator("#health-updated").get_attribute("data-at")
    job_api.ask(job_api.member(), title="Talk me through a sourdough starter", tags=["cooking"])
    page.clock.fast_forward(61_000)
    expect(waiting.locator("rect[data-key=cooking]")).to_have_attribute("data-value", "1")
    expect(waiting.locator("figcaption")).to_contain_text("1 ask waiting")
    assert page.locator("#health-updated").get_attribute("data-at") != before
