"""How we reach you, in Chromium: the settings section of the profile page, the service worker
at the site root showing a push, and push for this device where no push service can be
reached (as on this machine: Chromium's push service is out of reach, so subscribing fails)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from exchange.members.service import get_by_login
from exchange.notifications import preferences
from tests.realtime.live import wait_until

pytestmark = pytest.mark.slow

PHONE = {"width": 375, "height": 740}


def profile(visit, job_api, viewport=None, grant=False):
    """Ada, signed in on her profile page with "How we reach you" loaded: (visitor, page)."""
    job_api.member("ada")
    visitor = visit()
    if viewport:
        visitor.page.set_viewport_size(viewport)
    if grant:
        visitor.context.grant_permissions(["notifications"])
    visitor.sign_in("ada")
    page = visitor.open("/profile")
    page.wait_for_selector("#reach[data-ready]")
    return visitor, page


def box(page, kind: str, channel: str):
    return page.locator(f'#reach input[name="{kind}:{channel}"]')


def push_state(page):
    state = page.locator("#push-state")
    expect(state).not_to_contain_text("Checking")
    expect(state).not_to_contain_text("One moment")
    return state


def test_the_service_worker_registers_from_sw_js_for_the_whole_site(visit, job_api, server):
    _, page = profile(visit, job_api)
    scope, script = page.evaluate(
        "navigator.serviceWorker.ready.then((r) => [r.scope, r.active.scriptURL])")
    assert (scope, script) == (server.url + "/", server.url + "/sw.js")


def test_the_section_names_each_kind_in_words_with_its_channels(visit, job_api):
    _, page = profile(visit, job_api)
    rows = page.locator("#reach-kinds tr")
    expect(rows.first).to_contain_text("An ask you could help with")
    expect(page.locator("#reach-kinds")).not_to_contain_text("ask.offered")
    expect(page.locator('#reach-kinds tr[data-kind="mod.flagged"]')).to_have_count(0)
    expect(box(page, "ask.offered", "email")).to_be_checked()
    expect(box(page, "ask.taken", "email")).not_to_be_checked()
    expect(box(page, "message.new", "push")).to_have_attribute("aria-label",
                                                                "A new message, by push")


def test_notices_that_always_go_are_shown_on_and_say_why(visit, job_api):
    _, page = profile(visit, job_api)
    for channel in ("live", "email", "push"):
        expect(box(page, "mod.warning", channel)).to_be_checked()
        expect(box(page, "mod.warning", channel)).to_be_disabled()
    expect(page.locator('#reach-kinds tr[data-kind="mod.warning"]')).to_contain_text("Always on")
    expect(page.locator("#reach-always")).to_contain_text("you should hear why")


def test_a_toggle_saves_gently_and_survives_a_reload(visit, job_api, make_uow):
    _, page = profile(visit, job_api)
    box(page, "message.new", "email").uncheck()
    expect(page.locator("#reach .saved")).to_be_visible()
    assert _email_for_messages(make_uow, "ada") is False
    page.reload()
    page.wait_for_selector("#reach[data-ready]")
    expect(box(page, "message.new", "email")).not_to_be_checked()
    expect(box(page, "message.new", "live")).to_be_checked()


def _email_for_messages(make_uow, handle: str) -> bool:
    """What the database (the live server's too) says about email for new messages."""
    with make_uow() as uow:
        member = get_by_login(uow.session, handle)
        return preferences.effective(uow.session, member.id, "message.new").email


def test_the_digest_and_showing_ask_words_save_too(visit, job_api):
    _, page = profile(visit, job_api)
    page.select_option("#reach select[name=digest]", "weekly")
    expect(page.locator("#reach .saved")).to_be_visible()
    page.check("#reach input[name=push_details]")
    expect(page.locator("#reach .saved")).to_be_visible()
    page.reload()
    page.wait_for_selector("#reach[data-ready]")
    expect(page.locator("#reach select[name=digest]")).to_have_value("weekly")
    expect(page.locator("#reach input[name=push_details]")).to_be_checked()


def test_when_the_push_service_cannot_be_reached_the_page_says_so_kindly(visit, job_api):
    _, page = profile(visit, job_api, grant=True)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    expect(push_state(page)).to_contain_text("Push is off for this device")
    page.click("#push-toggle")
    expect(push_state(page)).to_contain_text("couldn't turn push on here")
    expect(page.locator("#push-state")).to_contain_text("Nothing is wrong on your side")
    expect(page.locator("#push-toggle")).to_have_text("Turn on push for this device")
    expect(page.locator("#push-toggle")).to_be_enabled()
    assert errors == []


def test_when_notifications_are_not_allowed_the_page_says_where_to_allow_them(visit, job_api):
    _, page = profile(visit, job_api)
    page.click("#push-toggle")
    expect(push_state(page)).to_contain_text("allow notifications for this site")
    expect(page.locator("#push-toggle")).to_be_hidden()


def _service_worker(visitor, page, scope: str) -> tuple[object, str]:
    """A DevTools session on the page and the id of its service worker registration."""
    cdp = visitor.context.new_cdp_session(page)
    found = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: found.extend(
        r["registrationId"] for r in event["registrations"]
        if r["scopeURL"] == scope and not r["isDeleted"]))
    cdp.send("ServiceWorker.enable")
    # Playwright's sync API hands over events while it works: a small call keeps them coming.
    assert wait_until(lambda: page.evaluate("1") and found)
    return cdp, found[-1]


# What the service worker asks the browser to show, recorded on the way: headless Chromium has
# been seen to drop a shown notification from getNotifications() a moment later, so the test
# reads the call itself (the notification is still shown).
RECORD_SHOWN = """
  const show = self.registration.showNotification.bind(self.registration);
  self.shown = [];
  self.registration.showNotification = (title, options) => {
    self.shown.push([title, options.body, options.tag, options.data.url]);
    return show(title, options);
  };
  true"""


@pytest.mark.parametrize(("link", "opens"), [("/asks/7", "/asks/7"),
                                              ("https://elsewhere.example/x", "/home")],
                         ids=["its own page", "never another site"])
def test_a_push_shows_its_words_and_links_only_into_the_site(visit, job_api, server, link,
                                                             opens):
    visitor, page = profile(visit, job_api, grant=True)
    push_state(page)  # the page registered the service worker
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert wait_until(lambda: page.evaluate("1") and visitor.context.service_workers)
    worker = visitor.context.service_workers[0]
    worker.evaluate(RECORD_SHOWN)
    cdp, registration = _service_worker(visitor, page, server.url + "/")
    url = server.url + link if link.startswith("/") else link
    data = json.dumps({"kind": "ask.offered", "title": "Someone could use your help",
                       "body": "Passing is fine too.", "url": url, "tag": "ask-7",
                       "notification_id": 1})
    cdp.send("ServiceWorker.deliverPushMessage",
             {"origin": server.url + "/", "registrationId": registration, "data": data})
    assert wait_until(lambda: worker.evaluate("self.shown"), timeout=15)
    assert worker.evaluate("self.shown") == [["Someone could use your help",
                                              "Passing is fine too.", "ask-7",
                                              server.url + opens]]


def test_at_phone_width_the_profile_fits_without_sideways_scrolling(visit, job_api):
    _, page = profile(visit, job_api, viewport=PHONE)
    push_state(page)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    overflowing = page.evaluate("""[...document.querySelectorAll('#reach *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((e) => e.tagName + (e.name ? '[' + e.name + ']' : ''))""")
    assert overflowing == []


def test_a_pushs_link_to_an_ask_opens_home_at_that_asks_card(visit, job_api):
    ada = job_api.member("ada")
    ask = job_api.ask(ada)
    visitor = visit()
    visitor.page.set_viewport_size({"width": 375, "height": 400})
    visitor.sign_in("ada")
    page = visitor.open(f"/home#ask-{ask['id']}")
    expect(page.locator(f"#ask-{ask['id']}")).to_be_in_viewport()
    expect(page.locator("#ask-h")).not_to_be_in_viewport()
