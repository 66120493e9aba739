"""Every page of the site, in every state worth looking at, with real content behind it: the
list the accessibility and phone-width tests walk (issue 12).

``PAGES`` names each page once: who opens it (``visitor`` signed out, ``member``,
``moderator``), the address, the URL rule it stands for (``test_accessibility`` holds every
page route of the app to appear here) and what to wait for before looking, so the page's
modules have filled it. ``seed`` gives the pages something to show: asks open, matched and
done, an offer, a conversation, thanks, time slots, flags on an ask, a message and a member.

Error pages the live server cannot be made to answer (403, 429, 500: no page route refuses a
browser that way, and its rate limits are off) are rendered by the app in this process, from
routes that fail as ``tests/web/test_error_pages.py``'s do, and handed to the browser at the
live server's address with their own status and headers (CSP included), so they load the real
stylesheet under the real policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import abort

from exchange.delivery import links
from exchange.errors import RateLimited
from exchange.members.admin import set_role
from exchange.members.models import Member

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@dataclass(frozen=True)
class Page:
    name: str  # the screenshot's file name
    role: str
    path: str  # "{offer_accept}" and the like are filled from the seed's signed links
    rule: str
    ready: tuple[str, ...] = ()  # selectors to wait for before looking
    # Then what a person does there, so the page is looked at with its notes, errors and
    # opened forms showing: ("fill", selector, text), ("click", selector) or ("wait", selector).
    steps: tuple[tuple[str, ...], ...] = ()


SHOWN_ERROR = ".error:not([hidden]), .field-error"

PAGES = (
    Page("landing", "visitor", "/", "/"),
    Page("signin", "visitor", "/signin", "/signin", steps=(
        ("fill", "input[name=login]", "ada"), ("fill", "input[name=password]", "not mine"),
        ("click", "button[type=submit]"), ("wait", SHOWN_ERROR))),
    Page("join", "visitor", "/join", "/join", steps=(
        ("fill", "input[name=handle]", "Ada!"), ("click", "button[type=submit]"),
        ("wait", SHOWN_ERROR))),
    Page("forgot", "visitor", "/forgot", "/forgot", ("#forgot[data-ready]",), steps=(
        ("click", "button[type=submit]"), ("wait", SHOWN_ERROR))),
    Page("reset", "visitor", "/reset?token=from-the-mail", "/reset", ("#reset[data-ready]",),
         steps=(("fill", "input[name=password]", "short"), ("click", "button[type=submit]"),
                ("wait", SHOWN_ERROR))),
    Page("verify", "visitor", "/verify?token=from-the-mail", "/verify", ("#verify[data-ready]",)),
    Page("offer-accept", "visitor", "{offer_accept}", "/offer/accept"),
    Page("offer-pass", "visitor", "{offer_pass}", "/offer/pass"),
    Page("offer-bad-link", "visitor", "/offer/accept?token=not-a-real-one", "/offer/accept"),
    Page("unsubscribe", "visitor", "{unsubscribe}", "/unsubscribe"),
    Page("not-found", "visitor", "/no/such/page", "/no/such/page"),
    Page("home", "member", "/home", "/home",
         ("#live[data-state=live]", "#offers li[data-ask]", "#mine li[data-ask]",
          "#helping li[data-ask]"), steps=(
             ("click", "#mine li[data-ask] button.talk"), ("wait", "#mine ul.thread li"),
             ("click", "#offers li[data-ask] .report button"), ("wait", ".report-form"),
             ("fill", "#ask-title", "help"), ("click", "#ask button[type=submit]"),
             ("wait", SHOWN_ERROR))),
    Page("profile", "member", "/profile", "/profile",
         ("#profile[data-ready]", "#slots li", "#reach[data-ready]"),
         steps=(("click", "#add-slot"), ("fill", "#slots li:nth-child(4) [name=start]", "20:00"),
                ("fill", "#slots li:nth-child(4) [name=end]", "19:00"),
                ("click", "#profile button[type=submit]"), ("wait", "#slots .field-error"))),
    Page("ledger", "member", "/ledger", "/ledger", ("#helps li",),
         steps=(("click", "#ledger details summary"), ("wait", "#ledger details[open]"))),
    Page("ask", "member", "/asks/{talk}", "/asks/<ask_id>",
         ("#live[data-state=live]", "#talk:not([hidden])"), steps=(
             ("click", "#talk button.talk"), ("wait", "#talk ul.thread li"))),
    Page("ask-done", "member", "/asks/{done}", "/asks/<ask_id>", (".thanks-sent",)),
    Page("ask-offered", "member", "/asks/{offered}", "/asks/<ask_id>",
         ("#next-step button.accept",)),
    Page("member", "member", "/members/robin", "/members/<handle>", ("#thanks li:not(.empty)",),
         steps=(("click", "#safety .report button"), ("wait", ".report-form"))),
    Page("member-own", "member", "/members/ada", "/members/<handle>", ("#both-sides:not(:empty)",)),
    Page("not-found-signed-in", "member", "/no/such/page", "/no/such/page"),
    Page("moderate", "moderator", "/moderate", "/moderate",
         ("#live[data-state=live]", "#queue li[data-target]", "#health table",
          "#health-charts svg", "#audit li"), steps=(
             ("click", "#queue li[data-target] button.hide"), ("wait", SHOWN_ERROR),
             ("fill", "#queue li[data-target] input[name=reason]", "An advert, not an ask."),
             ("click", "#queue li[data-target] button.suspend"), ("wait", ".confirm"),
             ("fill", "#audit-filters [name=since]", "2026-05-02"),
             ("fill", "#audit-filters [name=until]", "2026-05-01"),
             ("click", "#audit-filters button[type=submit]"),
             ("wait", "#audit-filters .field-error"))),
    Page("moderate-member", "moderator", "/moderate/members/robin", "/moderate/members/<handle>",
         ("#modmember[data-ready]", "#flags li[data-flag]"), steps=(
             ("click", "#act button.suspend"), ("wait", SHOWN_ERROR),
             ("fill", "#act input[name=reason]", "Three adverts this week."),
             ("click", "#act button.suspend"), ("wait", ".confirm"))),
    Page("home-moderator", "moderator", "/home", "/home", ("#live[data-state=live]",)),
)

# Rendered in this process, shown at the live server's address (see the module's docstring).
ERRORS = {
    "forbidden": (403, lambda: abort(403)),
    "busy": (429, lambda: (_ for _ in ()).throw(RateLimited("Slow down.", retry_after=42))),
    "broken": (500, lambda: 1 / 0),
}

# GET routes that are not pages: files, the API, probes, and rq-dashboard (a third-party tool
# for admins under /admin/rq, whose markup is not ours; docs/decisions/0018).
NOT_PAGES = ("/api/", "/static/", "/admin/rq", "/sw.js", "/healthz", "/readyz", "/metrics")


def for_role(role: str) -> list[Page]:
    return [page for page in PAGES if page.role == role]


def page_rules(app) -> set[str]:
    """Every GET route of the app that answers a browser with a page, as the list names it."""
    found = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(NOT_PAGES):
            continue
        found.add(rule.rule.replace("<string(minlength=1, maxlength=40):handle>", "<handle>")
                  .replace("<int(min=1, max=2147483647):ask_id>", "<ask_id>"))
    return found


@dataclass
class Seeded:
    """What ``seed`` made: the signed links' paths, and a way to make an update arrive live
    (the home page's "Updates" list only fills while the page is open)."""
    paths: dict
    job_api: object
    run_jobs: object
    robin: dict
    talk: dict

    def update_arrives(self, tab) -> None:
        r = self.job_api.call(self.robin, "POST", f"/asks/{self.talk['id']}/messages",
                              json={"body": "I'll bring a jar of my starter for you."})
        assert r.status_code == 201, r.get_json()
        self.run_jobs()
        tab.wait_for_selector("#updates li:not(.empty)")


def seed(job_api, run_jobs, make_uow, settings) -> Seeded:
    """Members and everything the pages show."""
    ada = job_api.member("ada", display_name="Ada Lovelace", bio="Retired teacher, new to town.",
                         skills=["python", "writing", "cv-writing"], availability=[
                             {"weekday": 0, "start": "18:00", "end": "20:00"},
                             {"weekday": 2, "start": "07:30", "end": "09:00"},
                             {"weekday": 5, "start": "10:00", "end": "12:30"}])
    robin = job_api.member("robin", display_name="Robin", skills=["cooking", "python"])
    sam = job_api.member("sam_reads", display_name="Sam")
    moddy = job_api.member("moddy", display_name="Mo")
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, moddy["id"]), role="moderator")
        uow.commit()
    soon = datetime.now(UTC) + timedelta(days=2)
    job_api.ask(ada, title="A second pair of eyes on my cover letter's opening",
                details="It's for a library job; does the first paragraph sound like me?",
                tags=["writing"], minutes=15, window_start=soon.isoformat(),
                window_end=(soon + timedelta(hours=3)).isoformat())
    talk = job_api.matched(ada, robin, title="Talk me through a sourdough starter",
                           tags=["cooking"], minutes=30)
    job_api.call(robin, "POST", f"/asks/{talk['id']}/messages",
                 json={"body": "Happy to! Does Thursday evening work for you?"})
    job_api.call(ada, "POST", f"/asks/{talk['id']}/messages", json={"body": "Thursday is great."})
    done = job_api.confirmed(ada, robin, minutes=20, title="Check my Python loop for an off-by-one",
                             tags=["python"])
    r = job_api.call(ada, "POST", f"/asks/{done['id']}/thanks",
                     json={"message": "You made it feel easy to ask. Thank you!"})
    assert r.status_code == 201, r.get_json()
    job_api.confirmed(sam, ada, minutes=25, title="Proofread the verse in a birthday card")
    job_api.matched(sam, ada, title="Read my short story's last page with me", minutes=10)
    offered = job_api.ask(robin, title="Explain a Python decorator with one small example",
                          tags=["python"], minutes=15)
    run_jobs()  # matching: Ada is offered Robin's ask
    _flags(job_api, sam, ada, robin, talk)
    paths = {**_links(settings, ada, offered), "talk": talk["id"], "done": done["id"],
             "offered": offered["id"]}
    return Seeded(paths, job_api, run_jobs, robin, talk)


def _flags(job_api, sam, ada, robin, talk) -> None:
    """Flags on an ask and a member (from Sam) and on a message (from Ada, who was sent it)."""
    spam = job_api.ask(robin, title="Buy my miracle sourdough course, link inside",
                       tags=["cooking"])
    [message] = job_api.call(robin, "GET", f"/asks/{talk['id']}/messages").get_json()["items"][:1]
    for reporter, target_type, target_id, reason, note in (
            (sam, "ask", spam["id"], "spam", "An advert, not an ask."),
            (ada, "message", message["id"], "other", "Checking this is alright."),
            (sam, "member", robin["id"], "harassment", "")):
        r = job_api.call(reporter, "POST", "/flags", json={
            "target_type": target_type, "target_id": target_id, "reason": reason, "note": note})
        assert r.status_code == 201, r.get_json()


def _links(settings, ada, offered) -> dict:
    def path(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.path}?{parts.query}"
    offer = {action: path(links.offer(settings, member_id=ada["id"], ask_id=offered["id"],
                                      action=action)) for action in ("accept", "pass")}
    return {"offer_accept": offer["accept"], "offer_pass": offer["pass"],
            "unsubscribe": path(links.unsubscribe(settings, member_id=ada["id"],
                                                  kinds=["ask.offered", "digest"]))}


def walk(visitor, role: str, seeded: Seeded):
    """Open each of the role's pages in turn in the visitor's one tab, wait until it is
    filled, and yield it."""
    for page in for_role(role):
        tab = visitor.open(page.path.format(**seeded.paths))
        tab.wait_for_load_state("load")
        for selector in page.ready:
            tab.wait_for_selector(selector, state="attached")
        if page.name == "home":
            seeded.update_arrives(tab)
        for action, selector, *text in page.steps:
            if action == "wait":
                tab.wait_for_selector(selector, state="attached")
            else:
                getattr(tab.locator(selector).first, action)(*text)
        yield page, tab


def error_pages(app):
    """(name, status, headers, body) of each error page the in-process app renders (an app no
    request has reached yet: Flask takes no new routes after the first)."""
    for name, (_, view) in ERRORS.items():
        app.add_url_rule(f"/test/{name}", name, view)
    client = app.test_client()
    for name, (status, _) in ERRORS.items():
        response = client.get(f"/test/{name}", headers=HTML)
        assert response.status_code == status and response.mimetype == "text/html", name
        yield f"error-{status}", status, dict(response.headers), response.get_data()


def show_error(tab, base: str, status: int, headers: dict, body: bytes):
    """Answer one navigation at ``base`` with the rendered error page, and go there."""
    url = f"{base}/error-{status}"
    tab.route(url, lambda route: route.fulfill(status=status, headers=headers, body=body))
    tab.goto(url)
    tab.unroute(url)
    tab.wait_for_load_state("load")
    return tab
