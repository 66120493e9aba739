"""The exchange in a real browser: joining, signing in, asking, and help arriving live."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from exchange.members.admin import set_role
from exchange.members.models import Member
from tests.conftest import PASSWORD
from tests.realtime.live import cut_subscribers, wait_until

pytestmark = pytest.mark.slow


def _join(visit, email: str, **browser):
    page = visit(**browser).open("/join")
    page.fill("input[name=handle]", "sam_reads")
    page.fill("input[name=display_name]", "Sam")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "a long and quiet river")
    page.click("button[type=submit]")
    return page


def test_a_newcomer_joins_and_lands_on_a_kind_empty_home(visit):
    page = _join(visit, "sam@example.org")
    page.wait_for_url(re.compile(r".*/home$"))
    expect(page.locator("h1")).to_have_text("Hello, Sam")
    expect(page.locator("#mine li.empty")).to_contain_text("Everyone here asks sometimes")
    expect(page.locator("#offers li.empty")).to_contain_text("no need to refresh")
    expect(page.locator("#balance")).to_contain_text("given 0 minutes and received 0 minutes")


def test_a_newcomer_in_paris_has_paris_time_on_their_profile_from_the_start(visit):
    page = _join(visit, "sam@example.org", timezone_id="Europe/Paris")
    page.wait_for_url(re.compile(r".*/home$"))
    page.goto(page.url.replace("/home", "/profile"))
    page.wait_for_selector("#profile[data-ready]")
    expect(page.locator("#profile select[name=timezone]")).to_have_value("Europe/Paris")


def test_a_join_with_a_taken_handle_says_so_and_stays(visit, job_api):
    job_api.member("sam_reads")
    page = _join(visit, "other@example.org")
    expect(page.locator("#join .field-error")).to_have_text("That handle is taken.")
    assert page.url.endswith("/join")


def test_a_wrong_password_is_explained_and_nothing_else_happens(visit, job_api):
    job_api.member("ada")
    page = visit().open("/signin")
    page.fill("input[name=login]", "ada")
    page.fill("input[name=password]", "not my password")
    page.click("button[type=submit]")
    expect(page.locator("#signin .error")).to_contain_text("did not match")
    assert page.url.endswith("/signin")


def test_home_needs_signing_in(visit):
    page = visit().open("/home")
    assert page.url.endswith("/signin?next=/home")


def test_the_pages_load_nothing_from_anywhere_else(visit, job_api, server):
    job_api.member("ada")
    visitor = visit()
    visitor.sign_in("ada")
    assert visitor.requests
    assert all(url.startswith(server.url) for url in visitor.requests), visitor.requests


def test_a_starter_fills_the_composer_and_the_ask_is_coached_kindly(visit, job_api):
    job_api.member("ada")
    page = visit().sign_in("ada")
    page.click("text=A second pair of eyes on one paragraph")
    expect(page.locator("#ask input[name=title]")).to_have_value(
        "A second pair of eyes on one paragraph of my ")
    page.type("#ask input[name=title]", "application essay")
    page.click("#ask button[type=submit]")
    expect(page.locator("#coaching")).to_contain_text("Your ask is out")
    expect(page.locator("#mine li").first).to_contain_text("Waiting for a helper")
    expect(page.locator("#mine li.empty")).to_have_count(0)


def test_an_offer_arrives_live_and_the_whole_loop_closes_with_thanks(visit, job_api, run_jobs):
    job_api.member("asker", display_name="Alex")
    job_api.member("helper", display_name="Robin", skills=["python"])
    asking, helping = visit().sign_in("asker"), visit().sign_in("helper")

    asking.fill("#ask input[name=title]", "Review my Python loop for an off-by-one")
    asking.fill("#ask input[name=tags]", "python")
    asking.click("#ask button[type=submit]")
    expect(asking.locator("#mine li").first).to_contain_text("Waiting for a helper")
    run_jobs()  # matching: the helper is offered the ask and pushed ask.offered

    offer = helping.locator("#offers li.fresh")
    expect(offer).to_contain_text("Review my Python loop")  # no reload: it came live
    expect(offer.locator(".badge.new")).to_have_text("New")  # said in words, not colour alone
    expect(offer).to_contain_text("asked by Alex")
    offer.locator("button.accept").click()
    expect(helping.locator("#helping li")).to_contain_text("Review my Python loop")
    expect(asking.locator("#mine li").first).to_contain_text("Robin is helping")
    expect(asking.locator("#updates li").first).to_contain_text("Robin is on it")

    helping.click("#helping button:has-text(\"I've helped\")")
    expect(asking.locator("#mine li").first).to_contain_text("Confirm when you agree")
    asking.click("#mine button:has-text(\"It's done\")")
    expect(asking.locator("#mine li").first).to_contain_text("Thank you both")
    asking.get_by_label("A few words of thanks for Robin").fill("That saved my evening, thank you!")
    asking.get_by_label("What difference did it make?").fill("I shipped the report on time.")
    asking.click("#mine form.thanks button")
    expect(asking.locator("#mine li").first).to_contain_text("Thanks sent")
    # The helper reads who, for what, the words and the difference it made — live.
    expect(helping.locator("#updates li").first).to_contain_text(
        "Alex thanked you for “Review my Python loop for an off-by-one”: "
        "“That saved my evening, thank you!”. The difference it made: "
        "“I shipped the report on time.”")
    expect(helping.locator("#balance")).to_contain_text("given 15 minutes")
    # Sent thanks stay sent: after a reload the words show, and no form comes back.
    asking.reload()
    mine = asking.locator("#mine li").first
    expect(mine).to_contain_text("You sent thanks:")
    expect(mine).to_contain_text("That saved my evening")
    expect(mine.locator("form.thanks")).to_have_count(0)
    # And on the helper's own page.
    helping.goto(helping.url.replace("/home", "/members/helper"))
    thanks = helping.locator("#thanks li").first
    expect(thanks).to_contain_text("That saved my evening, thank you!")
    expect(thanks).to_contain_text("The difference it made: I shipped the report on time.")
    expect(thanks).to_contain_text("— Alex")


def test_a_second_helper_sees_the_offer_was_taken(visit, job_api, run_jobs):
    asker = job_api.member("asker")
    job_api.member("first", skills=["python"])
    job_api.member("second", skills=["python"])
    first, second = visit().sign_in("first"), visit().sign_in("second")
    job_api.ask(asker, title="Explain a Python decorator to me", tags=["python"])
    run_jobs()
    expect(first.locator("#offers li.fresh")).to_contain_text("decorator")
    expect(second.locator("#offers li.fresh")).to_contain_text("decorator")
    first.locator("#offers button.accept").click()
    expect(second.locator("#offers li.closed")).to_contain_text("This one found a helper")
    expect(second.locator("#offers button.accept")).to_have_count(0)


def test_after_the_server_restarts_the_page_catches_up_on_what_it_missed(
        visit, job_api, run_jobs, serve):
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    own = serve()
    try:
        page = visit(own.url).sign_in("helper")
        own.stop()
        expect(page.locator("#live")).to_have_attribute("data-state", "reconnecting")
        job_api.ask(asker, title="Help me name a Python function well", tags=["python"])
        run_jobs()  # the offer is stored and pushed while no server is listening
        own.start()
        expect(page.locator("#live")).to_have_attribute("data-state", "live", timeout=20_000)
        expect(page.locator("#offers li.fresh")).to_contain_text("name a Python function")
        assert page.locator("#offers li.fresh").count() == 1  # replayed once
    finally:
        own.stop()


def test_after_the_server_lost_its_push_channel_the_page_catches_up_on_what_it_missed(
        visit, job_api, run_jobs, server, redis_url):
    """Redis restarted under the web process (its subscription cut): the offer pushed before
    the server has subscribed again never reaches it, so once subscribed it drops its sockets
    and the page reconnects by itself, asking for what came after the last it saw."""
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    page = visit().sign_in("helper")
    page.wait_for_selector("#live[data-state=live]")
    cut_subscribers(redis_url)
    job_api.ask(asker, title="Help me name a Python test well", tags=["python"])
    run_jobs()  # stored and pushed while the server is (most likely) not subscribed yet
    expect(page.locator("#offers li.fresh")).to_contain_text("name a Python test",
                                                             timeout=20_000)
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    assert page.locator("#offers li.fresh").count() == 1  # once, replayed or live


def test_a_member_says_what_they_can_help_with_and_then_hears_of_such_asks(
        visit, job_api, run_jobs):
    asker, newcomer = job_api.member("asker"), job_api.member("newcomer")
    page = visit().sign_in("newcomer")
    page.click("text=Your profile")
    page.wait_for_url(re.compile(r".*/profile$"))
    page.wait_for_selector("#profile[data-ready]")
    page.fill("input[name=skills]", "Knitting, python")
    page.click("#add-slot")
    page.select_option("#slots li select[name=weekday]", "2")
    page.click("#profile button[type=submit]")
    expect(page.locator("#profile .saved")).to_be_visible()
    me = job_api.call(newcomer, "GET", "/me").get_json()
    assert me["skills"] == ["knitting", "python"]
    assert me["availability"] == [{"weekday": 2, "start": "18:00", "end": "20:00"}]

    page.click("text=Home")
    page.wait_for_selector("#live[data-state=live]")
    job_api.ask(asker, title="Fix the heel of a knitted sock", tags=["knitting"])
    run_jobs()
    expect(page.locator("#offers li.fresh")).to_contain_text("knitted sock")


def test_asker_and_helper_talk_and_messages_arrive_live(visit, job_api):
    asker, helper = job_api.member("asker", display_name="Alex"), job_api.member("helper")
    ask = job_api.matched(asker, helper, title="Plan a short talk about gardening")
    asking, helping = visit().sign_in("asker"), visit().sign_in("helper")

    helping.click(f"#helping li[data-ask='{ask['id']}'] button.talk")
    expect(helping.locator("#helping ul.thread")).to_contain_text("No messages yet")
    helping.fill("#helping form.say input", "Does Thursday at six work for you?")
    helping.click("#helping form.say button")
    expect(helping.locator("#helping ul.thread")).to_contain_text("You Does Thursday")

    expect(asking.locator("#updates li").first).to_contain_text("sent you a message")
    talk = asking.locator(f"#mine li[data-ask='{ask['id']}'] button.talk")
    expect(talk).to_have_text("Messages (new)")
    talk.click()
    expect(asking.locator("#mine ul.thread")).to_contain_text("Does Thursday at six work")
    asking.fill("#mine form.say input", "Thursday is perfect, thank you!")
    asking.click("#mine form.say button")
    expect(helping.locator("#helping ul.thread")).to_contain_text("Alex Thursday is perfect")


def test_a_moderator_sees_a_flag_arrive_live_and_hides_the_ask(visit, job_api, make_uow):
    moderator, author = job_api.member("moddy"), job_api.member("author")
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, moderator["id"]), role="moderator")
        uow.commit()
    ask = job_api.ask(author, title="Buy my miracle course, link inside", tags=["python"])
    page = visit().sign_in("moddy")
    page.click("text=Review queue")
    page.wait_for_selector("#live[data-state=live]")
    expect(page.locator("#queue li.empty")).to_be_visible()
    waiting = page.locator("figure[data-chart=waiting] rect[data-key=python]")
    expect(waiting).to_have_attribute("data-value", "1")  # the ask waits under its tag

    r = job_api.call(job_api.member("reporter"), "POST", "/flags", json={
        "target_type": "ask", "target_id": ask["id"], "reason": "spam", "note": "An advert."})
    assert r.status_code == 201, r.get_json()
    item = page.locator(f"#queue li[data-target='ask:{ask['id']}']")
    expect(item).to_contain_text("miracle course")  # arrived live (mod.flagged)
    expect(item).to_contain_text("spam: An advert.")
    item.locator("input[name=reason]").fill("Adverts aren't asks; happy to see a real one.")
    item.get_by_role("button", name="Hide", exact=True).click()
    item.get_by_role("button", name="Yes, hide it").click()  # hiding asks once more
    expect(page.locator("#queue li.empty")).to_be_visible()
    other = job_api.member("bystander")
    assert job_api.call(other, "GET", f"/asks/{ask['id']}").status_code == 404


def test_a_member_reports_an_ask_from_the_offer_and_moderators_get_it(
        visit, job_api, run_jobs, make_uow):
    moderator = job_api.member("moddy")
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, moderator["id"]), role="moderator")
        uow.commit()
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    page = visit().sign_in("helper")
    ask = job_api.ask(asker, title="Cheap followers for your Python blog", tags=["python"])
    run_jobs()
    offer = page.locator(f"#offers li[data-ask='{ask['id']}']")
    offer.locator("button:has-text('Report')").click()
    offer.locator("select[name=reason]").select_option("spam")
    offer.locator("input[name=note]").fill("Selling followers.")
    offer.locator("button:has-text('Send to moderators')").click()
    expect(offer).to_contain_text("Thank you for telling us")

    queue = job_api.call(moderator, "GET", "/mod/flags").get_json()["items"]
    [item] = [i for i in queue if i["target_type"] == "ask" and i["target_id"] == ask["id"]]
    assert [(f["reason"], f["note"]) for f in item["flags"]] == [("spam", "Selling followers.")]


def test_a_helpers_profile_shows_both_sides_and_their_thanks(visit, job_api):
    asker = job_api.member("asker", display_name="Alex")
    helper = job_api.member("helper", display_name="Robin", bio="Retired teacher.")
    ask = job_api.confirmed(asker, helper, minutes=20)
    r = job_api.call(asker, "POST", f"/asks/{ask['id']}/thanks",
                     json={"message": "You made it feel easy to ask."})
    assert r.status_code == 201, r.get_json()
    page = visit().sign_in("asker")
    page.click("#mine a:has-text('Robin')")
    page.wait_for_url(re.compile(r".*/members/helper$"))
    expect(page.locator("#name")).to_have_text("Robin (@helper)")
    expect(page.locator("#both-sides")).to_contain_text("given 20 minutes of help (once)")
    expect(page.locator("#both-sides")).to_contain_text("hasn't received help yet")
    expect(page.locator("#both-sides")).not_to_contain_text("received 0")
    expect(page.locator("#thanks")).to_contain_text("You made it feel easy to ask.")


@pytest.mark.parametrize("handle", ["nobody_here", "blocker"])
def test_an_unknown_or_blocking_member_is_simply_not_found(visit, job_api, handle):
    job_api.member("asker")
    blocker = job_api.member("blocker")
    assert job_api.call(blocker, "POST", "/members/asker/block").status_code == 204
    page = visit().sign_in("asker")
    page.goto(page.url.replace("/home", f"/members/{handle}"))
    expect(page.locator("#name")).to_have_text("We couldn't find that member.")


def test_what_the_page_has_shown_is_marked_read(visit, job_api, run_jobs):
    asker, helper = job_api.member("asker"), job_api.member("helper", skills=["python"])
    page = visit().sign_in("helper")
    job_api.ask(asker, title="Read my Python error message with me", tags=["python"])
    run_jobs()
    expect(page.locator("#offers li.fresh")).to_contain_text("error message")

    def offered_is_read():
        notes = job_api.call(helper, "GET", "/notifications").get_json()["items"]
        return [n["read_at"] is not None for n in notes if n["kind"] == "ask.offered"] == [True]

    assert wait_until(offered_is_read, timeout=8)


@pytest.mark.parametrize("where", ["//example.org/x", "/\\example.org", "https://example.org",
                                   "javascript:alert(1)"])
def test_signing_in_never_sends_you_off_the_site(visit, job_api, server, where):
    job_api.member("ada")
    visitor = visit()
    page = visitor.page
    page.goto(f"{server.url}/signin?next={where}")
    page.fill("input[name=login]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/home")


def test_signing_in_returns_to_the_page_you_asked_for(visit, job_api, server):
    job_api.member("ada")
    page = visit().open("/profile")
    assert page.url.endswith("/signin?next=/profile")
    page.fill("input[name=login]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/profile")


def test_from_a_profile_a_member_can_block_quietly_or_report(visit, job_api, make_uow):
    moderator = job_api.member("moddy")
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, moderator["id"]), role="moderator")
        uow.commit()
    me, them = job_api.member("me_here"), job_api.member("pushy", display_name="Pushy")
    page = visit().sign_in("me_here")
    page.goto(page.url.replace("/home", "/members/pushy"))
    page.click("#safety button:has-text('Report')")
    page.select_option("#safety select[name=reason]", "harassment")
    page.click("#safety button:has-text('Send to moderators')")
    expect(page.locator("#safety")).to_contain_text("Thank you for telling us")
    page.click("#safety button:has-text('Block Pushy')")
    expect(page.locator("#safety")).to_contain_text("They aren't told")

    assert job_api.call(me, "GET", "/me").get_json()["blocked"] == ["pushy"]
    assert job_api.call(them, "GET", "/members/me_here").status_code == 404
    queue = job_api.call(moderator, "GET", "/mod/flags").get_json()["items"]
    assert [(i["target_type"], i["target_id"]) for i in queue] == [("member", them["id"])]


def test_your_own_profile_offers_no_block_or_report(visit, job_api):
    job_api.member("me_here")
    page = visit().sign_in("me_here")
    page.goto(page.url.replace("/home", "/members/me_here"))
    expect(page.locator("#name")).to_contain_text("@me_here")
    expect(page.locator("#safety")).to_be_hidden()
