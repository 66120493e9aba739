"""axe-core on every page and every error page, signed out, as a member and as a moderator,
with real content on them (issue 12): no serious or critical violation. Lesser ones are
printed (``pytest -s`` or ``-rA`` shows them), not failed.

One browser for the run (``browser``), one tab per role; axe-core is fetched from the npm
registry (``tests/e2e/axe.py``) and added to each tab under the pages' own strict policy.
"""

from __future__ import annotations

import pytest

from tests.e2e import axe, site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def axe_script() -> str:
    return axe.axe_source()


@pytest.fixture
def checking(visit, axe_script):
    """``checking()``: a visitor whose every page carries axe-core."""
    def make():
        visitor = visit()
        visitor.context.add_init_script(script=axe_script)
        return visitor
    return make


@pytest.fixture
def seeded(job_api, run_jobs, make_uow, job_settings):
    return site.seed(job_api, run_jobs, make_uow, job_settings)


def _check(shown) -> None:
    """``shown``: (name, tab) pairs. Fails on any serious or critical violation, naming all."""
    failing = []
    for name, tab in shown:
        found = axe.violations(tab)
        if found:
            print(f"\n{name} ({tab.url}):\n{axe.describe(found)}")
        if axe.serious(found):
            failing.append(f"{name}:\n{axe.describe(axe.serious(found))}")
    assert not failing, "serious or critical accessibility violations:\n" + "\n".join(failing)


def _walked(visitor, role, seeded):
    return ((page.name, tab) for page, tab in site.walk(visitor, role, seeded))


def test_the_check_sees_a_serious_violation_when_there_is_one(checking):
    tab = checking().open("/")
    tab.evaluate("""() => {
      const img = document.createElement("img");
      img.src = "/static/none.png";
      const button = document.createElement("button");
      document.querySelector("main").append(img, button);
    }""")
    found = {v["id"]: v["impact"] for v in axe.serious(axe.violations(tab))}
    assert found.get("image-alt") == "critical" and found.get("button-name") == "critical", found
    with pytest.raises(AssertionError, match="image-alt"):
        _check([("landing", tab)])


def test_every_page_a_visitor_sees_passes_axe(checking, seeded):
    _check(_walked(checking(), "visitor", seeded))


def test_every_page_a_member_sees_passes_axe(checking, seeded):
    visitor = checking()
    visitor.sign_in("ada")
    _check(_walked(visitor, "member", seeded))


def test_every_page_a_moderator_sees_passes_axe(checking, seeded):
    visitor = checking()
    visitor.sign_in("moddy")
    _check(_walked(visitor, "moderator", seeded))


def test_every_error_page_passes_axe(checking, app, server):
    tab = checking().page
    _check((name, site.show_error(tab, server.url, status, headers, body))
           for name, status, headers, body in site.error_pages(app))


def test_every_page_route_is_in_the_list(app):
    """A new page route fails here until it is in ``site.PAGES``, and so checked by axe and at
    phone width."""
    listed = {page.rule for page in site.PAGES}
    assert site.page_rules(app) - listed == set(), "pages missing from tests/e2e/site.py"
    assert listed - site.page_rules(app) == {"/no/such/page"}
