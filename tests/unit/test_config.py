"""Settings for reaching members off the page: production refuses to start without a mail
server or a public address; development needs neither (mail becomes .eml files)."""

from __future__ import annotations

import pytest

from exchange.config import ConfigError, Settings

PRODUCTION = {"EXCHANGE_ENV": "production", "EXCHANGE_SECRET_KEY": "s" * 48,
              "EXCHANGE_SMTP_URL": "smtp://mail.example.org:587",
              "EXCHANGE_BASE_URL": "https://exchange.example.org"}


def test_production_refuses_to_start_without_an_smtp_url():
    env = {k: v for k, v in PRODUCTION.items() if k != "EXCHANGE_SMTP_URL"}
    with pytest.raises(ConfigError, match="EXCHANGE_SMTP_URL is required in production"):
        Settings.from_env(env)


def test_production_refuses_to_start_without_a_base_url():
    env = {k: v for k, v in PRODUCTION.items() if k != "EXCHANGE_BASE_URL"}
    with pytest.raises(ConfigError, match="EXCHANGE_BASE_URL is required in production"):
        Settings.from_env(env)


def test_production_with_both_starts_and_links_start_with_the_public_address():
    settings = Settings.from_env(PRODUCTION)
    assert settings.smtp_url == "smtp://mail.example.org:587"
    assert settings.link("/reset?token=x") == "https://exchange.example.org/reset?token=x"


def test_development_needs_neither_and_writes_mail_under_the_instance(tmp_path):
    settings = Settings.from_env({"EXCHANGE_INSTANCE_DIR": str(tmp_path)})
    assert settings.smtp_url is None and settings.mail_dir == tmp_path.resolve() / "mail"
    assert settings.mail_delay_seconds == 120


@pytest.mark.parametrize("name, value", [("EXCHANGE_BASE_URL", "exchange.example.org"),
                                         ("EXCHANGE_MAIL_DELAY_SECONDS", "soon"),
                                         ("EXCHANGE_MAIL_DELAY_SECONDS", "-1")])
def test_a_setting_that_cannot_work_is_refused_with_its_name(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({"EXCHANGE_INSTANCE_DIR": str(tmp_path), name: value})


def test_retired_secret_keys_are_read_newest_first_and_checked_oldest_first(tmp_path):
    settings = Settings.from_env({
        "EXCHANGE_INSTANCE_DIR": str(tmp_path), "EXCHANGE_SECRET_KEY": "k" * 40,
        "EXCHANGE_SECRET_KEY_PREVIOUS": " " + "b" * 40 + ", " + "a" * 40 + " ,"})
    assert settings.previous_secret_keys == ("a" * 40, "b" * 40)
    assert settings.verifying_keys == ("a" * 40, "b" * 40, "k" * 40)  # signs with the last


def test_a_retired_key_too_short_to_be_one_is_refused_by_name(tmp_path):
    with pytest.raises(ConfigError, match="EXCHANGE_SECRET_KEY_PREVIOUS"):
        Settings.from_env({"EXCHANGE_INSTANCE_DIR": str(tmp_path),
                           "EXCHANGE_SECRET_KEY_PREVIOUS": "short"})
