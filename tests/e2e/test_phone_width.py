"""Every page fits a 360 px wide phone (issue 12): nothing wider than the screen, so nobody
scrolls sideways, checked in the browser (the document's ``scrollWidth`` is at most its
``clientWidth``) on the pages of ``tests/e2e/site.py``, filled with real content and with their
notes and opened forms showing; and the header's links wrap whole, never breaking mid-name
("Sign / out"). Each page is also photographed, full length, at 1280 and
360 px into ``test-artifacts/screenshots/<page>-<width>.png`` (git-ignored) for a person to
look over.

One tab per role: each page is opened and photographed at desktop width, then the same tab is
narrowed to a phone's width, checked and photographed again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e import site

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
DESKTOP, PHONE, HEIGHT = 1280, 360, 800

# What sticks out past the right edge: the innermost such elements, named so the failure says
# where. And the header's links, which should wrap whole rather than break mid-name.
WIDER = """() => {
  const edge = document.documentElement.clientWidth;
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (e.classList.length ? "." + Array.from(e.classList).join(".") : "");
  const right = (e) => Math.max(e.getBoundingClientRect().right,
    e.getBoundingClientRect().left + e.scrollWidth);
  const wide = Array.from(document.body.querySelectorAll("*")).filter((e) =>
    e.getClientRects().length && right(e) > edge + 0.5);
  const lines = (e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return range.getClientRects().length;
  };
  return {
    scroll: document.documentElement.scrollWidth, client: edge,
    broken: Array.from(document.querySelectorAll("header .brand, header nav > *"))
      .filter((e) => e.getClientRects().length && lines(e) > 1).map((e) => e.textContent.trim()),
    wider: wide.filter((e) => !wide.some((other) => other !== e && e.contains(other))).slice(0, 5)
      .map((e) => `${name(e)} (to ${Math.round(right(e))} px)`),
  };
}"""


@pytest.fixture(scope="module")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture
def seeded(job_api, run_jobs, make_uow, job_settings):
    return site.seed(job_api, run_jobs, make_uow, job_settings)


def fits(name: str, tab, shots: Path) -> str | None:
    """Photograph the page wide, narrow it to a phone, check and photograph it again; returns
    what overflows, if anything."""
    tab.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
    tab.screenshot(path=shots / f"{name}-{DESKTOP}.png", full_page=True)
    tab.set_viewport_size({"width": PHONE, "height": HEIGHT})
    measured = tab.evaluate(WIDER)
    tab.screenshot(path=shots / f"{name}-{PHONE}.png", full_page=True)
    assert measured["client"] <= PHONE, measured
    problems = []
    if measured["scroll"] > measured["client"]:
        problems.append(f"{name} ({tab.url}) is {measured['scroll']} px wide at "
                        f"{measured['client']} px: " + ", ".join(measured["wider"]))
    if measured["broken"]:
        problems.append(f"{name}: header links broken over lines: {measured['broken']}")
    return "\n".join(problems) or None


def _check(shown, shots) -> None:
    overflowing = [problem for name, tab in shown if (problem := fits(name, tab, shots))]
    assert not overflowing, "pages that do not fit a phone:\n" + "\n".join(overflowing)


def _walked(visitor, role, seeded):
    return ((page.name, tab) for page, tab in site.walk(visitor, role, seeded))


def test_the_check_sees_a_page_wider_than_a_phone(visit, tmp_path):
    tab = visit().open("/")
    tab.evaluate("""() => {
      const wide = document.createElement("pre");
      wide.textContent = "x".repeat(200);
      document.querySelector("main").append(wide);
    }""")
    problem = fits("check", tab, tmp_path)
    assert problem is not None and re.search(r"px: pre \(to \d+ px\)$", problem), problem
    assert (tmp_path / f"check-{PHONE}.png").stat().st_size > 0


def test_every_page_a_visitor_sees_fits_a_phone(visit, seeded, shots):
    _check(_walked(visit(), "visitor", seeded), shots)


def test_every_page_a_member_sees_fits_a_phone(visit, seeded, shots):
    visitor = visit()
    visitor.sign_in("ada")
    _check(_walked(visitor, "member", seeded), shots)


def test_every_page_a_moderator_sees_fits_a_phone(visit, seeded, shots):
    visitor = visit()
    visitor.sign_in("moddy")
    _check(_walked(visitor, "moderator", seeded), shots)


def test_every_error_page_fits_a_phone(visit, app, server, shots):
    tab = visit().page
    _check(((name, site.show_error(tab, server.url, status, headers, body))
            for name, status, headers, body in site.error_pages(app)), shots)
