"""The digest email, rendered for real through ``compose.render``: open asks a member could
help with, each with its link, in the member's timezone, member text only ever as text."""

from __future__ import annotations

import pytest

from tests.mail_samples import BASE, SCRIPT, digest_context, rendered


@pytest.mark.parametrize("period, subject", [("daily", "3 asks you could help with today"),
                                             ("weekly", "3 asks you could help with this week")])
def test_the_digest_lists_every_ask_with_its_link(period, subject):
    message, text, html = rendered(digest_context(3, period), "digest")
    assert str(message["Subject"]) == subject
    for i in range(3):
        assert f"“Ask number {i}: talk through a decision” · Sam Rivera" in text
        assert f"{BASE}/asks/{100 + i}" in text and f'href="{BASE}/asks/{100 + i}"' in html
    assert f"You get this {period} digest because you chose it." in text
    assert f"{BASE}/settings" in html


def test_a_digest_of_one_ask_speaks_of_one():
    message, text, _ = rendered(digest_context(1, "daily"), "digest")
    assert str(message["Subject"]) == "An ask you could help with today"
    assert "Here is an open ask from the past day" in text


def test_a_full_digest_of_twenty_asks_renders_them_all():
    _, text, _ = rendered(digest_context(20), "digest")
    assert text.count(f"{BASE}/asks/1") == 20


def test_the_digest_escapes_member_text():
    context = digest_context(1)
    context["asks"][0]["title"] = SCRIPT
    _, text, html = rendered(context, "digest")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert SCRIPT in text


def test_the_digest_shows_times_in_the_members_timezone():
    _, text, _ = rendered(digest_context(1), "digest")
    assert "about 15 minutes · Thursday 10 December, 14:00–15:30 (Berlin time) · online" in text


def test_a_digest_with_links_keyed_by_text_still_links_each_ask():
    context = digest_context(2)
    context["links"]["asks"] = {str(k): v for k, v in context["links"]["asks"].items()}
    _, text, _ = rendered(context, "digest")
    assert f"{BASE}/asks/101" in text
