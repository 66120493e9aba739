"""The pages as served, with the server's own Content-Security-Policy (``web.security``): each
main page boots in Chromium — its socket live, its data loaded — and the browser
reports no ``securitypolicyviolation`` at all."""

from __future__ import annotations

import pytest

from exchange.members.admin import set_role
from exchange.members.models import Member
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

RECORD = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportViolation(
    `${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(visit):
    """``watched()`` is a visitor whose pages report every policy violation into
    ``watched.violations``, and whose document responses' policies land in ``watched.policies``."""
    violations: list[str] = []
    policies: list[str] = []

    def make():
        visitor = visit()
        visitor.context.expose_function("__reportViolation", lambda text: violations.append(text))
        visitor.context.add_init_script(RECORD)
        visitor.page.on("response", lambda r: policies.append(
            r.headers.get("content-security-policy", "")) if r.request.resource_type == "document"
            else None)
        visitor.page.on("console", lambda m: violations.append(m.text)
                        if "Content Security Policy" in m.text else None)
        return visitor

    make.violations, make.policies = violations, policies
    return make


def _served_with_the_policy(policies: list[str]) -> None:
    assert policies, "no document was loaded"
    assert all("script-src 'self';" in p and "frame-ancestors 'none'" in p for p in policies), \
        policies


@pytest.mark.parametrize("path", ["/", "/signin", "/join", "/forgot"])
def test_a_public_page_loads_under_the_servers_policy_with_no_violation(watched, path):
    page = watched().open(path)
    page.wait_for_load_state("load")
    _served_with_the_policy(watched.policies)
    assert watched.violations == []


@pytest.mark.parametrize("path", ["/home", "/profile", "/members/robin", "/moderate"])
def test_a_signed_in_page_goes_live_under_the_servers_policy_with_no_violation(
        watched, job_api, make_uow, path):
    ada = job_api.member("ada")
    job_api.member("robin", display_name="Robin")
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, ada["id"]), role="moderator")
        uow.commit()
    visitor = watched()
    page = visitor.sign_in("ada")  # home goes live: the socket connected under the policy
    page.goto(visitor.base + path)
    if path == "/moderate":
        page.wait_for_selector("#live[data-state=live]")
    elif path == "/profile":
        page.wait_for_selector("#profile[data-ready]")
    elif path == "/members/robin":
        page.wait_for_selector("#name:has-text('Robin')")
    else:
        page.wait_for_selector("#live[data-state=live]")
    _served_with_the_policy(watched.policies)
    assert watched.violations == []


def test_the_watch_would_see_a_violation(watched):
    """The recorder itself works: an inline script the policy refuses is reported."""
    page = watched().open("/signin")
    page.evaluate("""() => { const s = document.createElement('script');
                              s.textContent = 'window.x = 1'; document.body.append(s); }""")
    assert wait_until(lambda: watched.violations, timeout=10)
    assert any("script-src" in v for v in watched.violations), watched.violations
