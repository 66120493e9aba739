"""Every page works under a strict ``script-src 'self'`` (no inline script, no eval): the
browser is handed each page with that policy, as a deployment may send it, and the page must
boot and nothing may be refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exchange.members.admin import set_role
from exchange.members.models import Member

pytestmark = pytest.mark.slow

POLICY = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"


@pytest.fixture
def strict(visit):
    """``strict()`` is a visitor whose every page arrives with POLICY; ``refused`` lists what
    the browser blocked under it."""
    refused: list[str] = []

    def with_policy(route):
        if route.request.resource_type != "document":
            return route.fallback()
        response = route.fetch(max_redirects=0)
        route.fulfill(response=response,
                      headers={**response.headers, "content-security-policy": POLICY})

    def make():
        visitor = visit()
        visitor.context.route("**/*", with_policy)
        # A page the test fulfils has no network address, so Chromium takes it for a public
        # site and its Local Network Access check would stop the socket to 127.0.0.1; served
        # for real, the page and the socket share one address.
        visitor.context.grant_permissions(["local-network-access"])
        visitor.page.on("console", lambda m: refused.append(m.text)
                        if "Content Security Policy" in m.text else None)
        return visitor

    make.refused = refused
    return make


def _ready(page, path):
    if path == "/home":
        expect(page.locator("#balance")).to_contain_text("given 0 minutes")
    elif path == "/profile":
        page.wait_for_selector("#profile[data-ready]")
    elif path == "/members/robin":
        expect(page.locator("#name")).to_have_text("Robin (@robin)")
        expect(page.locator("#safety")).to_be_visible()
    elif path == "/moderate":
        page.wait_for_selector("#live[data-state=live]")
        expect(page.locator("#health")).to_contain_text("Median time to a first offer")


@pytest.mark.parametrize("path", ["/home", "/profile", "/members/robin", "/moderate"])
def test_a_signed_in_page_boots_under_a_strict_script_policy(strict, job_api, make_uow, path):
    ada = job_api.member("ada")
    job_api.member("robin", display_name="Robin")
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, ada["id"]), role="moderator")
        uow.commit()
    visitor = strict()
    page = visitor.sign_in("ada")  # the sign-in page, and home going live, under the policy
    page.goto(visitor.base + path)
    _ready(page, path)
    assert strict.refused == []


def test_joining_works_under_a_strict_script_policy(strict):
    page = strict().open("/join")
    page.fill("input[name=handle]", "sam_reads")
    page.fill("input[name=display_name]", "Sam")
    page.fill("input[name=email]", "sam@example.org")
    page.fill("input[name=password]", "a long and quiet river")
    page.click("button[type=submit]")
    page.wait_for_url("**/home")
    page.wait_for_selector("#live[data-state=live]")
    assert strict.refused == []
