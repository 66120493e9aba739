"""Composing in a real browser (issue 12): coaching beside the fields while an ask is written,
the honest expectation line, time window / mode / area, starters that fill the form and never
post, field notes tied to their field on every form, and the error pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from exchange.asks.models import Ask
from exchange.members.admin import set_role
from exchange.members.models import Member

pytestmark = pytest.mark.slow

HTTP_WORDS = re.compile(r"well-formed|semantic errors|Length must|Missing data|Not a valid")
TITLE_NOTE = "A few more words, please: a title of at least 8 characters says what would help."


def posted_asks(visitor) -> list[str]:
    return [u for u in visitor.requests if u.endswith("/api/v1/asks")]


def note_for(page, control):
    """The field note tied to `control` by aria-describedby (and the control is invalid)."""
    expect(control).to_have_attribute("aria-invalid", "true")
    ids = control.get_attribute("aria-describedby").split()
    notes = [i for i in ids if page.locator(f"#{i}.field-error").count()]
    assert len(notes) == 1, ids
    return page.locator(f"#{notes[0]}")


# --- coaching while composing -----------------------------------------------------------------

def test_a_vague_title_is_coached_beside_its_fields_before_anything_is_sent(visit, job_api):
    job_api.member("ada")
    visitor = visit()
    page = visitor.sign_in("ada")
    expect(page.locator("#ask-coach-text")).to_be_hidden()  # nothing typed: nothing said
    page.fill("#ask input[name=title]", "help")
    text, when = page.locator("#ask-coach-text"), page.locator("#ask-coach-when")
    expect(text).to_contain_text("A few more words about your situation")
    expect(when).to_contain_text("Mention when suits you")
    assert page.locator("#ask-title").get_attribute("aria-describedby").split() == [
        "ask-title-rule", "ask-coach-text"]
    assert not posted_asks(visitor)
    expect(page.locator("#mine li.empty")).to_be_visible()

    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT18:00")
    page.fill("#ask input[name=window_start]", tomorrow)
    expect(when).to_be_hidden()  # a window says when: no more "when?"
    expect(text).to_contain_text("A few more words")


def test_the_title_rule_is_shown_before_it_bites_and_a_short_title_gets_one_note(
        visit, job_api):
    job_api.member("ada")
    page = visit().sign_in("ada")
    expect(page.locator("#ask-title-rule")).to_have_text(
        "8 to 120 characters: a few words about what would help.")
    page.fill("#ask input[name=title]", "help")
    page.click("#ask button[type=submit]")
    title = page.locator("#ask-title")
    expect(note_for(page, title)).to_have_text(TITLE_NOTE)
    expect(title).to_be_focused()
    expect(page.locator("#ask .error")).to_be_hidden()
    assert not HTTP_WORDS.search(page.inner_text("main"))
    assert page.inner_text("main").count(TITLE_NOTE) == 1
    assert "title:" not in page.inner_text("main")

    page.type("#ask-title", " with my cover letter on Saturday")
    expect(title).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ask .field-error")).to_have_count(0)
    assert page.locator("#ask-title").get_attribute("aria-describedby").split() == [
        "ask-title-rule", "ask-coach-text"]


# --- the ask form's window, mode and area -----------------------------------------------------

def test_an_ask_goes_out_with_its_window_mode_and_area(visit, job_api):
    ada = job_api.member("ada")
    page = visit().sign_in("ada")
    page.fill("#ask input[name=title]", "Help me carry a bookshelf up two floors")
    start = datetime.now() + timedelta(days=2)
    page.fill("#ask input[name=window_start]", start.strftime("%Y-%m-%dT10:00"))
    page.fill("#ask input[name=window_end]", start.strftime("%Y-%m-%dT12:00"))
    expect(page.locator("#ask label.area")).to_be_hidden()
    page.select_option("#ask select[name=mode]", "in_person")
    expect(page.locator("#ask label.area")).to_be_visible()
    page.click("#ask button[type=submit]")  # no area yet: said beside the area field
    expect(note_for(page, page.locator("#ask input[name=area]"))).to_have_text(
        "Please name a town or district, so nearby helpers can find it.")
    page.fill("#ask input[name=area]", "Leith")
    page.click("#ask button[type=submit]")
    expect(page.locator("#coaching")).to_contain_text("Your ask is out")
    [ask] = job_api.call(ada, "GET", "/asks?mine=asked").get_json()["items"]
    assert (ask["mode"], ask["area"]) == ("in_person", "Leith")
    begins = datetime.fromisoformat(ask["window_start"])
    ends = datetime.fromisoformat(ask["window_end"])
    assert ends - begins == timedelta(hours=2)
    assert begins.astimezone().strftime("%H:%M") == "10:00"  # the browser's clock is the host's


def test_a_window_that_ends_before_it_starts_is_said_beside_the_end(visit, job_api):
    job_api.member("ada")
    page = visit().sign_in("ada")
    page.fill("#ask input[name=title]", "Proofread my thank-you letter to a teacher")
    day = datetime.now() + timedelta(days=2)
    page.fill("#ask input[name=window_start]", day.strftime("%Y-%m-%dT12:00"))
    page.fill("#ask input[name=window_end]", day.strftime("%Y-%m-%dT10:00"))
    page.click("#ask button[type=submit]")
    expect(note_for(page, page.locator("#ask input[name=window_end]"))).to_have_text(
        "Please end the window after it starts.")


# --- the honest expectation -------------------------------------------------------------------

def test_the_expectation_line_comes_from_real_figures(visit, job_api, make_uow):
    asker = job_api.member("asker")
    helpers = [job_api.member(f"writer{i}", skills=["writing"], capacity=10) for i in range(2)]
    now = datetime.now(UTC)
    for minutes, helper in zip((10, 20, 30), (helpers[0], helpers[1], helpers[0]), strict=True):
        ask = job_api.matched(asker, helper, tags=["writing"], title="Read my short story opening")
        with make_uow() as uow:
            uow.session.execute(update(Ask).where(Ask.id == ask["id"]).values(
                created_at=now - timedelta(minutes=minutes), matched_at=now))
            uow.commit()
    page = visit().sign_in("asker")
    page.fill("#ask input[name=title]", "A second pair of eyes on my essay intro")
    page.fill("#ask input[name=tags]", "writing")
    line = page.locator("#expectation")
    expect(line).to_have_text(
        "Asks tagged writing usually find someone in about 20 minutes — 2 members help with it.")
    page.fill("#ask input[name=tags]", "knitting")
    expect(line).to_contain_text("Nobody lists knitting yet.")
    expect(line).to_contain_text("without that tag it reaches everyone who helps")


# --- starters ---------------------------------------------------------------------------------

def test_a_starter_fills_the_form_to_finish_and_never_posts(visit, job_api):
    ada = job_api.member("ada")
    visitor = visit()
    page = visitor.sign_in("ada")
    page.click("text=A second pair of eyes on one paragraph")
    title = page.locator("#ask-title")
    expect(title).to_have_value("A second pair of eyes on one paragraph of my ")
    expect(title).to_be_focused()
    expect(page.locator("#ask input[name=tags]")).to_have_value("writing")
    expect(page.locator("#ask textarea[name=details]")).to_have_value("")
    expect(page.locator("#ask textarea[name=details]")).to_have_attribute(
        "placeholder", "What the paragraph is for, and what you'd like a reader to check")
    expect(page.locator("#starter-note")).to_contain_text("Nothing is sent until you press Ask")
    assert not posted_asks(visitor)

    page.click("#ask button[type=submit]")  # unfinished: a nudge, and still nothing sent
    expect(note_for(page, title)).to_contain_text("Finish the sentence in your own words")
    assert not posted_asks(visitor)
    assert job_api.call(ada, "GET", "/asks?mine=asked").get_json()["items"] == []

    page.type("#ask-title", "cover letter, before Friday")
    page.click("#ask button[type=submit]")
    expect(page.locator("#mine li").first).to_contain_text(
        "A second pair of eyes on one paragraph of my cover letter, before Friday")
    [ask] = job_api.call(ada, "GET", "/asks?mine=asked").get_json()["items"]
    assert ask["tags"] == ["writing"] and ask["details"] == ""


# --- field notes on every form ----------------------------------------------------------------

def _join(page, handle="sam_reads", password="a long and quiet river"):
    page.fill("input[name=handle]", handle)
    page.fill("input[name=display_name]", "Sam")
    page.fill("input[name=email]", "sam@example.org")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_joining_shows_the_rules_first_and_says_a_taken_handle_once(visit, job_api):
    job_api.member("sam_reads")
    page = visit().open("/join")
    expect(page.locator("#join-password-rule")).to_contain_text("At least 10 characters")
    expect(page.locator("#join-handle-rule")).to_contain_text("3 to 30 characters")
    _join(page)
    handle = page.locator("#join input[name=handle]")
    expect(note_for(page, handle)).to_have_text("That handle is taken.")
    assert page.inner_text("main").count("That handle is taken") == 1
    assert "handle:" not in page.inner_text("main")
    assert page.url.endswith("/join")


def test_a_short_password_is_said_beside_the_password(visit):
    page = visit().open("/join")
    _join(page, handle="new_person", password="short")
    note = note_for(page, page.locator("#join input[name=password]"))
    expect(note).to_contain_text("Please use at least 10 characters")
    assert not HTTP_WORDS.search(page.inner_text("main"))


def test_a_profile_slot_that_ends_too_early_is_noted_beside_its_end(visit, job_api):
    job_api.member("newcomer")
    page = visit().sign_in("newcomer")
    page.goto(page.url.replace("/home", "/profile"))
    page.wait_for_selector("#profile[data-ready]")
    page.click("#add-slot")
    page.fill("#slots li input[name=start]", "20:00")
    page.fill("#slots li input[name=end]", "19:00")
    page.click("#profile button[type=submit]")
    expect(note_for(page, page.locator("#slots li input[name=end]"))).to_have_text(
        "A time slot needs to end after it starts.")
    expect(page.locator("#profile .field-error")).to_contain_text("end after it starts")
    expect(page.locator("#profile .saved")).to_be_hidden()


def test_a_moderator_without_a_reason_is_told_beside_the_reason(visit, job_api, make_uow):
    moderator, author = job_api.member("moddy"), job_api.member("author")
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, moderator["id"]), role="moderator")
        uow.commit()
    ask = job_api.ask(author, title="Sell me followers cheap today")
    job_api.call(job_api.member("flagger"), "POST", "/flags",
                 json={"target_type": "ask", "target_id": ask["id"], "reason": "spam"})
    page = visit().sign_in("moddy")
    page.goto(page.url.replace("/home", "/moderate"))
    card = page.locator("#queue li").first
    card.locator("button:has-text('Hide')").click()
    expect(note_for(page, card.locator("input[name=reason]"))).to_have_text(
        "Please give a reason in a few kind words: the member may read it.")


# --- error pages and the skip link ------------------------------------------------------------

def test_a_lost_browser_gets_a_kind_404_page_with_landmarks(visit):
    page = visit().open("/somewhere/that/is/not")
    expect(page.locator("h1")).to_have_text("We couldn't find that page")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "We couldn't find that page · The exchange"
    expect(page.locator("main")).to_have_count(1)
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_every_page_starts_with_a_skip_link(visit, job_api):
    job_api.member("ada")
    page = visit().sign_in("ada")
    for path in ("/home", "/profile", "/members/ada"):
        page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + path)
        first = page.locator("body > *").first
        expect(first).to_have_attribute("href", "#main")
