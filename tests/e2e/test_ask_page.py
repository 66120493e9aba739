"""The page of one ask (/asks/<id>), where links from feeds, notifications and emails land: its
state, who is helping, the conversation, and the one next step as the obvious button — for the
asker, the helper and anyone else — following the ask live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exchange.asks.service import cancel_ask
from exchange.members.models import Member

pytestmark = pytest.mark.slow


def test_asker_and_helper_each_see_their_next_step_and_the_page_follows_live(visit, job_api):
    asker = job_api.member("asker", display_name="Alex")
    job_api.member("helper", display_name="Robin")
    ask = job_api.ask(asker, title="Talk me through a tricky email reply", minutes=15)
    path = f"/asks/{ask['id']}"
    asking, helping = visit().sign_in("asker"), visit().sign_in("helper")
    asking.goto(asking.url.replace("/home", path))
    helping.goto(helping.url.replace("/home", path))
    for page in (asking, helping):
        page.wait_for_selector("#live[data-state=live]")
        expect(page.locator("h1")).to_have_text("Talk me through a tricky email reply")
        expect(page.locator("#ask-meta")).to_contain_text("About 15 minutes")
    assert asking.title() == "Talk me through a tricky email reply · The exchange"
    expect(asking.locator("#ask-state")).to_contain_text("Waiting for a helper")
    expect(asking.locator("#next-step button")).to_have_text(["Cancel this ask"])
    expect(helping.locator("#ask-people")).to_contain_text("Asked by Alex")
    expect(helping.locator("#next-step button.accept")).to_have_text("I can help")

    helping.click("#next-step button.accept")
    expect(helping.locator("#ask-state")).to_contain_text("You're helping with this one")
    # The asker's page changes without a reload: Robin is helping, the conversation opens up.
    expect(asking.locator("#ask-people")).to_contain_text("Robin is helping")
    expect(asking.locator("#talk")).to_be_visible()
    expect(asking.locator("#next-step button")).to_have_count(0)

    asking.click("#talk button.talk")
    asking.fill("#talk form.say input", "Thanks for taking it! Does 6pm suit?")
    asking.click("#talk form.say button")
    helping.click("#talk button.talk")
    # Sent and pushed while the helper's list may still be loading: it shows either way.
    expect(helping.locator("#talk ul.thread")).to_contain_text("Does 6pm suit?", timeout=15_000)

    helping.click("#next-step button:has-text(\"I've helped\")")
    expect(asking.locator("#ask-state")).to_contain_text("Confirm when you agree")
    asking.click("#next-step button:has-text(\"It's done — confirm\")")
    expect(asking.locator("#ask-state")).to_contain_text("Thank you both")
    expect(asking.get_by_label("A few words of thanks for Robin")).to_be_visible()
    expect(helping.locator("#ask-state")).to_contain_text("Done and confirmed")


def test_someone_not_involved_sees_a_taken_ask_without_buttons_and_a_missing_one_kindly(
        visit, job_api):
    asker, helper = job_api.member("asker"), job_api.member("helper")
    job_api.member("third")
    ask = job_api.matched(asker, helper, title="Check my bike's gears with me")
    page = visit().sign_in("third")
    page.goto(page.url.replace("/home", f"/asks/{ask['id']}"))
    expect(page.locator("#ask-state")).to_contain_text("Someone else is helping with this one")
    expect(page.locator("#next-step button")).to_have_count(0)
    expect(page.locator("#talk")).to_be_hidden()
    page.goto(page.url.replace(f"/asks/{ask['id']}", "/asks/987654"))
    expect(page.locator("#loading")).to_contain_text("We couldn't find that ask")


def test_an_offered_helper_on_the_ask_page_sees_it_close_live_when_it_is_cancelled(
        visit, job_api, run_jobs):
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    ask = job_api.ask(asker, title="Explain a Python closure to me", tags=["python"])
    run_jobs()  # the helper holds an offer of it
    page = _watching(visit, "helper", ask)
    assert job_api.call(asker, "POST", f"/asks/{ask['id']}/cancel").status_code == 200
    _closed_live(page, "The person who asked doesn't need this one any more. Thank you for "
                       "looking.")


def test_a_reader_never_offered_the_ask_sees_it_close_live_when_someone_takes_it(visit,
                                                                                 job_api):
    asker = job_api.member("asker")
    job_api.member("reader")
    taker = job_api.member("taker")
    ask = job_api.ask(asker, title="Explain a Python closure to me")  # never offered
    page = _watching(visit, "reader", ask)
    assert job_api.call(taker, "POST", f"/asks/{ask['id']}/accept").status_code == 200
    _closed_live(page, "This one found a helper. Thank you for offering.")  # feed.closed


def _watching(visit, handle: str, ask: dict):
    """``handle`` signed in on the ask's page, live, offered "I can help"."""
    page = visit().sign_in(handle)
    page.goto(page.url.replace("/home", f"/asks/{ask['id']}"))
    page.wait_for_selector("#live[data-state=live]")
    expect(page.locator("#next-step button.accept")).to_have_text("I can help")
    page.evaluate("window.sameDocument = true")
    return page


def _closed_live(page, words: str) -> None:
    expect(page.locator("#ask-state")).to_have_text(words, timeout=60_000)
    expect(page.locator("#next-step button")).to_have_count(0)
    assert page.evaluate("window.sameDocument") is True  # live, not reloaded


def test_taking_an_ask_cancelled_unseen_says_so_and_leaves_nothing_to_press(visit, job_api,
                                                                            make_uow):
    asker = job_api.member("asker")
    job_api.member("helper")
    ask = job_api.ask(asker, title="Explain a Python closure to me")  # never offered: no push
    page = visit().sign_in("helper")
    page.goto(page.url.replace("/home", f"/asks/{ask['id']}"))
    expect(page.locator("#next-step button.accept")).to_have_text("I can help")
    # A close this page never heard of (signals are not replayed): cancelled with no
    # dispatcher, so nothing is published.
    with make_uow() as uow:
        cancel_ask(uow, actor=uow.session.get(Member, asker["id"]), ask_id=ask["id"])
        uow.commit()
    page.click("#next-step button.accept")
    expect(page.locator("#step-status")).to_contain_text("doesn't need this one any more")
    expect(page.locator("#step-status")).not_to_contain_text("Someone else")
    expect(page.locator("#next-step button")).to_have_count(0)


def test_the_cards_on_home_link_to_their_ask_page(visit, job_api):
    ada = job_api.member("ada")
    ask = job_api.ask(ada, title="Help me name my sourdough starter")
    page = visit().sign_in("ada")
    page.click(f"#mine li[data-ask='{ask['id']}'] .title a")
    page.wait_for_url(f"**/asks/{ask['id']}")
    expect(page.locator("h1")).to_have_text("Help me name my sourdough starter")
