"""Feeds and states that told something untrue (issue 12): a pass is remembered, an ask that
closes stops being offered on every page listing it, a cancelled ask says so when someone
offers, the message box stays closed until opened, reasons read as
words, and a profile with nothing given says so instead of "0 minutes (0 times)"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exchange.asks.service import cancel_ask
from exchange.members.admin import set_role
from exchange.members.models import Member

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


def test_an_ask_listed_without_an_offer_closes_live_when_cancelled_or_taken(visit, job_api):
    """Never offered (no match ran), only listed among the asks they could help with: the
    feed.closed signal still reaches the page, and the card stops offering "I can help"."""
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    taker = job_api.member("taker", skills=["python"])
    cancelled = job_api.ask(asker, title="Explain a Python generator to me", tags=["python"])
    taken = job_api.ask(asker, title="Read my short story opening")  # untagged: fits anyone
    page = visit().sign_in("helper")
    first = page.locator(f"#offers li[data-ask='{cancelled['id']}']")
    second = page.locator(f"#offers li[data-ask='{taken['id']}']")
    expect(first.locator("button.accept")).to_be_visible()
    expect(second.locator("button.accept")).to_be_visible()
    assert job_api.call(asker, "POST", f"/asks/{cancelled['id']}/cancel").status_code == 200
    expect(first.locator(".closed-note")).to_have_text(
        "The person who asked doesn't need this one any more. Thank you for looking.")
    expect(first.locator(".title")).to_have_text("Explain a Python generator to me")
    expect(first.locator("button")).to_have_count(0)
    assert job_api.call(taker, "POST", f"/asks/{taken['id']}/accept").status_code == 200
    expect(second.locator(".closed-note")).to_have_text(
        "This one found a helper. Thank you for offering.")
    expect(second.locator("button")).to_have_count(0)


def test_offering_on_an_ask_cancelled_meanwhile_says_it_was_cancelled(visit, job_api,
                                                                       make_uow):
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    ask = job_api.ask(asker, title="Explain a Python generator to me", tags=["python"])
    page = visit().sign_in("helper")
    offer = page.locator(f"#offers li[data-ask='{ask['id']}']")
    expect(offer).to_contain_text("Python generator")
    # A close this page never heard of (a signal is not replayed: one sent before the page
    # connected is gone): cancelled here with no dispatcher, so nothing is published.
    with make_uow() as uow:
        cancel_ask(uow, actor=uow.session.get(Member, asker["id"]), ask_id=ask["id"])
        uow.commit()
    offer.locator("button.accept").click()
    expect(offer.locator(".closed-note")).to_contain_text("doesn't need this one any more")
    expect(offer).not_to_contain_text("Someone else")
    expect(offer.locator("button")).to_have_count(0)  # nothing left to take or pass


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


def test_your_asks_keep_their_order_across_a_reload(visit, job_api):
    ada = job_api.member("ada")
    for title in ("First: read my haiku", "Second: check my sums", "Third: name my cat"):
        job_api.ask(ada, title=title)
    page = visit().sign_in("ada")
    page.fill("#ask input[name=title]", "Fourth: choose a paint colour for the hall")
    page.click("#ask button[type=submit]")
    titles = page.locator("#mine li .title")
    expect(titles).to_have_count(4)
    live = titles.all_inner_texts()
    assert [t.split(":")[0] for t in live] == ["Fourth", "Third", "Second", "First"]
    page.reload()
    expect(titles).to_have_count(4)
    assert titles.all_inner_texts() == live


def test_confirm_waits_for_the_helper_and_a_confirmed_ask_says_helped(visit, job_api):
    asker = job_api.member("asker")
    helper = job_api.member("helper", display_name="Robin")
    ask = job_api.matched(asker, helper, title="Plan a short talk about gardening")
    page = visit().sign_in("asker")
    card = page.locator(f"#mine li[data-ask='{ask['id']}']")
    expect(card).to_contain_text("Robin is helping")
    expect(card.locator("button:has-text(\"It's done\")")).to_have_count(0)
    assert job_api.call(helper, "POST", f"/asks/{ask['id']}/deliver").status_code == 200
    expect(card.locator("button:has-text(\"It's done\")")).to_be_visible()  # live
    card.locator("button:has-text(\"It's done\")").click()
    expect(card).to_contain_text("Robin helped")
    expect(card).not_to_contain_text("is helping")


def _moderator(job_api, make_uow, handle="moddy"):
    from exchange.members.admin import set_role
    from exchange.members.models import Member
    who = job_api.member(handle)
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, who["id"]), role="moderator")
        uow.commit()
    return who


def test_health_weekday_columns_match_their_headings(visit, job_api, make_uow):
    moderator = _moderator(job_api, make_uow)
    job_api.member("helper", skills=["python"],
                   availability=[{"weekday": 2, "start": "09:00", "end": "12:00"}])
    days = job_api.call(moderator, "GET", "/mod/health").get_json()["supply"][0]["by_weekday"]
    page = visit().sign_in("moddy")
    page.goto(page.url.replace("/home", "/moderate"))
    table = page.get_by_role("region", name="Helpers by skill and weekday").locator("table")
    expect(table.locator("th").nth(2)).to_have_text("Mon")
    heads = table.locator("th").all_inner_texts()[2:]
    cells = table.locator("tbody tr").first.locator("td").all_inner_texts()[2:]
    shown = dict(zip([h.lower() for h in heads], cells, strict=True))
    assert shown == {day: str(n) for day, n in days.items()}
    assert len(set(days.values())) > 1  # the days differ, so an order mix-up would show


def test_suspending_asks_twice_and_the_queue_counts_reports(visit, job_api, make_uow):
    _moderator(job_api, make_uow)
    author = job_api.member("author")
    ask = job_api.ask(author, title="Sell me followers cheap today")
    job_api.call(job_api.member("flagger"), "POST", "/flags",
                 json={"target_type": "ask", "target_id": ask["id"], "reason": "spam"})
    page = visit().sign_in("moddy")
    page.goto(page.url.replace("/home", "/moderate"))
    card = page.locator("#queue li").first
    expect(card).to_contain_text("1 report")
    expect(card).not_to_contain_text("weight")
    card.get_by_label("Reason").fill("Selling followers is not what the exchange is for.")
    card.get_by_role("button", name="Suspend", exact=True).click()
    confirm = card.get_by_role("group")
    expect(confirm).to_contain_text("Suspend Author for 7 days?")
    expect(confirm.get_by_role("button", name="Yes, suspend for 7 days")).to_be_focused()
    status = job_api.call(author, "GET", "/me").get_json()["status"]
    assert status == "active"  # nothing happened on the first press
    confirm.get_by_role("button", name="Yes, suspend for 7 days").click()
    expect(page.locator("#queue li.empty")).to_be_visible()
    assert job_api.call(author, "GET", "/me").get_json()["status"] == "suspended"


def test_the_author_of_a_hidden_ask_is_told_live_with_the_moderators_reason(visit, job_api,
                                                                            make_uow):
    asker, moderator = job_api.member("asker"), job_api.member("moddy")
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, moderator["id"]), role="moderator")
        uow.commit()
    ask = job_api.ask(asker, title="Selling my old bike, message me")
    page = visit().sign_in("asker")
    card = page.locator(f"#mine li[data-ask='{ask['id']}']")
    expect(card).to_contain_text("Waiting for a helper")
    r = job_api.call(moderator, "POST", f"/mod/asks/{ask['id']}/hide",
                     json={"reason": "Sales belong elsewhere; asks are for help."})
    assert r.status_code == 200, r.get_json()
    expect(card).to_contain_text("Paused by a moderator")
    expect(card).to_contain_text("Their reason: “Sales belong elsewhere; asks are for help.”")
    expect(card).not_to_contain_text("Waiting for a helper")
    expect(page.locator("#updates li").first).to_contain_text(
        "A moderator paused “Selling my old bike, message me”")
    page.reload()
    page.wait_for_selector("#live[data-state=live]")
    expect(card).to_contain_text("Paused by a moderator")
    expect(card).not_to_contain_text("Waiting for a helper")


def test_updates_keep_their_history_across_a_reload_and_the_header_counts_the_unread(
        visit, job_api):
    asker, helper = job_api.member("asker"), job_api.member("helper", display_name="Robin")
    ask = job_api.matched(asker, helper, title="Read my haiku aloud with me")  # asker is away
    visitor = visit()
    page = visitor.sign_in("asker")
    first = page.locator("#updates li").first
    expect(first).to_contain_text("Robin is on it: “Read my haiku aloud with me”")
    expect(first.locator(".badge.new")).to_have_text("New")
    expect(page.locator("#unread")).to_have_count(0, timeout=10_000)  # seen, so read
    page.reload()
    page.wait_for_selector("#live[data-state=live]")
    first = page.locator("#updates li").first
    expect(first).to_contain_text("Robin is on it")  # history, not an empty list
    expect(first.locator(".badge.new")).to_have_count(0)
    # Away from home, the header says how many are waiting.
    assert job_api.call(helper, "POST", f"/asks/{ask['id']}/deliver").status_code == 200
    page.goto(page.url.replace("/home", "/profile"))
    expect(page.locator("#unread")).to_have_text("1 new update")
    page.click("#unread")
    expect(page.locator("#updates li").first).to_contain_text("is done, your helper says")
