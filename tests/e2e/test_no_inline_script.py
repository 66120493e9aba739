"""No inline script anywhere: every <script> has a src, in the templates as written and in
every page as the browser holds it after its modules ran (signed out, signed in, a moderator,
an error page), so ``script-src 'self'`` can hold. Inline event handlers (``onclick=``) count
as inline script too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exchange.members.admin import set_role
from exchange.members.models import Member

pytestmark = pytest.mark.slow

TEMPLATES = Path(__file__).parents[2] / "web" / "templates"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER_ATTR = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)

OPEN_PAGES = ("/", "/signin", "/join", "/forgot", "/reset", "/verify", "/offer/accept",
              "/offer/pass", "/unsubscribe", "/no/such/page")
MEMBER_PAGES = ("/home", "/profile", "/members/ada", "/moderate")

IN_PAGE = """() => ({
  inline: Array.from(document.scripts).filter((s) => !s.src).map((s) => s.outerHTML.slice(0, 80)),
  handlers: Array.from(document.querySelectorAll("*")).flatMap((node) =>
    Array.from(node.attributes).filter((a) => /^on/i.test(a.name))
      .map((a) => `${node.tagName.toLowerCase()}[${a.name}]`)),
})"""


def test_the_test_sees_an_inline_script_when_there_is_one():
    assert [m for m in SCRIPT_TAG.findall("<script>alert(1)</script>") if "src=" not in m]
    assert HANDLER_ATTR.search('<button onclick="go()">')


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_no_template_has_a_script_without_src(template):
    text = (TEMPLATES / template).read_text()
    inline = [attrs for attrs in SCRIPT_TAG.findall(text) if not re.search(r"\ssrc=", attrs)]
    assert inline == [], f"{template}: <script{inline[0]}> has no src"
    assert not HANDLER_ATTR.search(text), f"{template}: an inline on…= handler"


def _check(page, path):
    found = page.evaluate(IN_PAGE)
    assert found == {"inline": [], "handlers": []}, (path, found)
    assert page.locator("script").count() == page.locator("script[src]").count()


def test_no_served_page_has_a_script_without_src(visit, job_api, make_uow):
    ada = job_api.member("ada")
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, ada["id"]), role="moderator")
        uow.commit()
    visitor = visit()
    for path in OPEN_PAGES:
        page = visitor.open(path)
        page.wait_for_load_state("load")
        _check(page, path)
    page = visitor.sign_in("ada")
    for path in MEMBER_PAGES:
        page = visitor.open(path)
        page.wait_for_load_state("load")
        assert page.locator("main").count() == 1, path
        _check(page, path)
