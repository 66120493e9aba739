"""The pages' scripts hold a strict ``script-src 'self'``: no template carries an inline script,
an inline event handler or a ``javascript:`` URL; every page script is an ES module the app
serves as JavaScript (a browser refuses a module served as anything else); and the modules
need neither ``eval`` nor HTML strings. The browser side is in tests/e2e/test_strict_policy.py.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
TEMPLATES = ROOT / "web/templates"
STATIC = ROOT / "web/static"
MODULES = sorted((STATIC / "js").rglob("*.js"))
JAVASCRIPT = {"text/javascript", "application/javascript"}
JINJA = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.S)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster"}


class _ScriptFinder(HTMLParser):
    """What in one page would need ``'unsafe-inline'``: each as a short description."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "script":
            self._in_script = True
            if not dict(attrs).get("src"):
                self.found.append("<script> without src")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"<script> with a body: {data.strip()[:40]}")


def inline_script(html: str) -> list[str]:
    finder = _ScriptFinder()
    # Jinja statements can sit inside a tag ({% if %}selected{% endif %}); expressions stand
    # for a value, which is enough to tell a script's src from its absence.
    finder.feed(re.sub(r"\{\{.*?\}\}", "x", JINJA.sub(" ", html), flags=re.S))
    finder.close()
    return finder.found


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_has_an_inline_script_or_handler(template):
    assert inline_script(template.read_text()) == []


@pytest.mark.parametrize("html", [
    "<script>boot()</script>", "<script type='module'>import './x.js'</script>",
    "<button onclick=\"go()\">Go</button>", "<a href=' JavaScript:go()'>Go</a>",
    "<body onload='go()'>", "<script src='/static/x.js'>go()</script>",
])
def test_the_check_finds_each_kind_of_inline_script(html):
    assert inline_script(html) != []


def test_the_check_lets_scripts_from_files_through():
    html = ("<script src=\"{{ url_for('pages.static', filename='vendor/x.js') }}\"></script>"
            "<script type=\"module\" src=\"/static/js/boot.js\"></script>"
            "<option value=\"{{ m }}\" {% if m == 15 %}selected{% endif %}>")
    assert inline_script(html) == []


@pytest.mark.parametrize("path", ["/", "/signin", "/join"])
def test_a_rendered_page_has_no_inline_script(client, path):
    assert inline_script(client.get(path).get_data(as_text=True)) == []


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(STATIC)))
def test_each_page_module_is_served_as_javascript(client, module):
    with client.get("/static/" + module.relative_to(STATIC).as_posix()) as r:
        assert r.status_code == 200
        assert r.mimetype in JAVASCRIPT


def test_the_socketio_client_is_served_as_javascript(client):
    with client.get("/static/vendor/socket.io.min.js") as r:
        assert r.mimetype in JAVASCRIPT


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(STATIC)))
def test_each_module_imports_only_files_that_are_there(module):
    imports = re.findall(r'^import\s[^;]*?from\s+"([^"]+)";', module.read_text(), re.M)
    for target in imports:
        assert target.startswith(("./", "../")) and target.endswith(".js"), target
        assert (module.parent / target).resolve().is_file(), target


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(STATIC)))
def test_no_module_needs_eval_or_writes_html(module):
    source = module.read_text()
    for risky in ("eval(", "new Function", "innerHTML", "outerHTML", "insertAdjacentHTML",
                  "document.write", "javascript:"):
        assert risky not in source, risky


def test_every_page_a_template_names_is_one_boot_starts():
    boot = (STATIC / "js/boot.js").read_text()
    started = set(re.findall(r'^import \* as (\w+) from "\./pages/\1\.js";', boot, re.M))
    named = {m.group(1) for t in TEMPLATES.glob("*.html")
             if (m := re.search(r"\{% block page %\}(\w+)\{% endblock %\}", t.read_text()))}
    assert named and named <= started
    assert started == {p.stem for p in (STATIC / "js/pages").glob("*.js")}
