"""``compose.render``: one message shape for every email, and the mail settings it reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
import time_machine

from exchange.config import ConfigError, Settings
from exchange.mail.compose import Letter, message_id, render
from tests.mail_samples import BASE, SETTINGS, notifications_context

UNSUBSCRIBE = f"{BASE}/mail/unsubscribe?token=abc"


def letter(**changes) -> Letter:
    fields = {"to": "Ada Okafor <ada@example.org>", "template": "notifications",
              "context": notifications_context("ask.accepted"),
              "message_id": "n7-email@example.org", "unsubscribe_url": UNSUBSCRIBE,
              "kind": "ask.accepted"}
    return Letter(**{**fields, **changes})


def test_a_message_has_a_plain_text_part_and_then_an_html_part():
    message = render(letter(), SETTINGS)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())


def test_a_message_carries_who_what_when_and_its_stable_id():
    with time_machine.travel(datetime(2026, 12, 3, 8, 30, tzinfo=UTC), tick=False):
        message = render(letter(), SETTINGS)
    assert str(message["From"]) == "The exchange <hello@example.org>"
    assert str(message["To"]) == "Ada Okafor <ada@example.org>"
    assert str(message["Subject"]).startswith("Ada Okafor is helping with")
    assert str(message["Message-ID"]) == "<n7-email@example.org>"
    assert parsedate_to_datetime(str(message["Date"])) == datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
    assert str(message["X-Exchange-Kind"]) == "ask.accepted"


def test_a_message_says_it_was_sent_automatically_so_no_auto_reply_comes_back():
    message = render(letter(), SETTINGS)
    assert str(message["Auto-Submitted"]) == "auto-generated"
    assert str(message["X-Auto-Response-Suppress"]) == "OOF, AutoReply"


def test_mail_a_member_can_stop_has_one_click_unsubscribe_headers_and_a_footer_link():
    message = render(letter(), SETTINGS)
    assert str(message["List-Unsubscribe"]) == f"<{UNSUBSCRIBE}>"
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert UNSUBSCRIBE in message.get_body(("plain",)).get_content()
    assert f'href="{UNSUBSCRIBE}"' in message.get_body(("html",)).get_content()


def test_mail_without_an_unsubscribe_link_has_neither_header():
    message = render(letter(unsubscribe_url=None), SETTINGS)
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    assert "One click stops them" not in message.get_body(("plain",)).get_content()


def test_extra_headers_replace_rather_than_repeat():
    message = render(letter(headers={"References": "<ask-42@example.org>",
                                     "X-Exchange-Kind": "digest"}), SETTINGS)
    assert message.get_all("X-Exchange-Kind") == ["digest"]
    assert str(message["References"]) == "<ask-42@example.org>"


def test_a_message_id_given_in_angle_brackets_is_not_bracketed_twice():
    message = render(letter(message_id="<n7-email@example.org>"), SETTINGS)
    assert str(message["Message-ID"]) == "<n7-email@example.org>"


def test_message_ids_use_the_sending_domain():
    assert message_id("n42-email", SETTINGS) == "n42-email@example.org"
    assert message_id("x", Settings(env="test")) == "x@localhost"


def test_a_sender_name_with_a_comma_and_accents_survives_the_trip():
    settings = replace(SETTINGS, mail_from='"Die Börse, e.V." <hallo@boerse.example>')
    message = render(letter(), settings)
    sent = message["From"].addresses[0]
    assert (sent.display_name, sent.addr_spec) == ("Die Börse, e.V.", "hallo@boerse.example")
    assert bytes(message).isascii()  # headers encoded (RFC 2047), bodies transfer-encoded


def test_the_base_url_setting_starts_every_link():
    message = render(letter(), replace(SETTINGS, base_url="https://help.example.net"))
    assert "The exchange · https://help.example.net" in message.get_body(("plain",)).get_content()


# --- the mail settings ---------------------------------------------------------------------------

def settings_with(**env) -> Settings:
    return Settings.from_env({"EXCHANGE_ENV": "test", **env})


def test_the_mail_settings_have_development_defaults():
    settings = settings_with()
    assert settings.smtp_url is None and settings.mail_delay_seconds == 120
    assert settings.mail_from == "The exchange <exchange@localhost>"
    assert settings.link("/home") == "http://127.0.0.1:5000/home"


def test_the_mail_settings_are_read_from_the_environment():
    settings = settings_with(EXCHANGE_SMTP_URL="smtps://u:p@mail.example.org",
                             EXCHANGE_MAIL_FROM="Helpers <help@example.org>",
                             EXCHANGE_BASE_URL="https://example.org/",
                             EXCHANGE_MAIL_DELAY_SECONDS="0")
    assert settings.smtp_url == "smtps://u:p@mail.example.org"
    assert settings.mail_from == "Helpers <help@example.org>"
    assert settings.link("/home") == "https://example.org/home"
    assert settings.mail_delay_seconds == 0


@pytest.mark.parametrize("sender", ["nonsense", "a@example.org, b@example.org",
                                    "Die Börse, e.V. <hallo@boerse.example>",
                                    "Zoë <zoe@börse.example>"])
def test_a_sender_that_is_not_one_plain_address_is_refused_at_start(sender):
    with pytest.raises(ConfigError, match="EXCHANGE_MAIL_FROM must be one address"):
        settings_with(EXCHANGE_MAIL_FROM=sender)


def test_an_smtp_url_of_another_scheme_is_refused_at_start():
    with pytest.raises(ConfigError, match="smtp:// or smtps://"):
        settings_with(EXCHANGE_SMTP_URL="mail.example.org:587")
