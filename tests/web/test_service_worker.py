"""The service worker is served from the site root as JavaScript, never cached, and holds the
same strict-script rules as the page modules; the profile page carries "How we reach you"."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PASSWORD
from tests.web.test_page_scripts import JAVASCRIPT, inline_script

SOURCE = Path(__file__).parents[2] / "web/static/sw.js"


def test_the_service_worker_comes_from_the_root_as_javascript_and_is_never_cached(client):
    with client.get("/sw.js") as r:
        assert r.status_code == 200 and r.mimetype in JAVASCRIPT
        assert r.headers["Cache-Control"] == "no-cache"
        assert r.get_data() == SOURCE.read_bytes()


def test_a_browser_checking_for_a_new_service_worker_is_told_nothing_changed(client):
    with client.get("/sw.js") as first:
        etag = first.headers["ETag"]
    with client.get("/sw.js", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304


def test_the_service_worker_shows_pushes_and_opens_only_this_sites_pages():
    source = SOURCE.read_text()
    for needed in ('addEventListener("push"', "showNotification", '"notificationclick"',
                   "openWindow", "self.location.origin"):
        assert needed in source, needed
    for risky in ("eval(", "new Function", "innerHTML", "importScripts", "fetch("):
        assert risky not in source, risky


def test_the_profile_page_has_the_reach_section_and_no_inline_script(api, client):
    who = api.member("ada")
    r = client.post("/api/v1/auth/login", json={"login": who["handle"], "password": PASSWORD})
    assert r.status_code == 200
    html = client.get("/profile").get_data(as_text=True)
    assert 'id="reach"' in html and "How we reach you" in html
    assert 'data-moderator="false"' in html
    assert inline_script(html) == []
