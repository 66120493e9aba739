"""Browser tests: real Chromium (Debian's, driven by Playwright — never a downloaded browser)
against a live ``exchange serve``, with the fixtures of ``tests/fixtures/live.py`` and
``tests/fixtures/jobs.py`` (the realtime suite's) for the server, members and jobs.

``scripts/test`` installs the ``chromium`` package when it is missing; without it these tests
fail with that advice rather than skip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run scripts/test (it installs Debian's "
                    "chromium) or `apt-get install -y chromium`.", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Visitor:
    """One browser context (its own cookies) on the live server; ``requests`` is every URL
    the page asked for."""

    def __init__(self, context, base: str):
        self.context, self.base = context, base
        self.requests: list[str] = []
        context.on("request", lambda request: self.requests.append(request.url))
        context.set_default_timeout(10_000)
        self.page = context.new_page()

    def open(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def sign_in(self, handle: str, password: str = PASSWORD):
        page = self.open("/signin")
        page.fill("input[name=login]", handle)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(self.base + "/home")
        page.wait_for_selector("#live[data-state=live]")
        return page


@pytest.fixture
def visit(browser, server):
    contexts = []

    def make(base: str | None = None, **options) -> Visitor:
        """``options`` go to Playwright's ``new_context`` (``timezone_id``, ``locale``, …)."""
        context = browser.new_context(**options)
        contexts.append(context)
        return Visitor(context, base or server.url)

    yield make
    for context in contexts:
        context.close()
