"""The mail adapters without a server: reading ``EXCHANGE_SMTP_URL``, choosing the adapter from
the settings, and the ``.eml`` files of the embedded default."""

from __future__ import annotations

import email
import email.policy
import ssl
from dataclasses import replace

import pytest

from exchange.adapters.mail import FileMailer, SmtpMailer, mailer_for
from exchange.mail.compose import Letter, render
from tests.mail_samples import BASE, SETTINGS, notifications_context


def composed():
    return render(Letter(to="ada@example.org", template="notifications",
                         context=notifications_context("message.new"),
                         message_id="n9-email@example.org",
                         unsubscribe_url=f"{BASE}/mail/unsubscribe?token=t"), SETTINGS)


@pytest.mark.parametrize("url, implicit, port", [
    ("smtp://mail.example.org", False, 25), ("smtp://mail.example.org:587", False, 587),
    ("smtps://mail.example.org", True, 465), ("smtps://mail.example.org:2465", True, 2465)])
def test_the_scheme_says_how_tls_starts_and_gives_the_default_port(url, implicit, port):
    mailer = SmtpMailer(url)
    assert (mailer.host, mailer.port, mailer.implicit_tls) == ("mail.example.org", port, implicit)
    assert mailer.username is None


def test_the_user_and_password_are_percent_decoded():
    mailer = SmtpMailer("smtp://us%40er:p%40ss%3Aw%2Frd%25@mail.example.org:587")
    assert (mailer.username, mailer.password) == ("us@er", "p@ss:w/rd%")


def test_certificates_are_checked_unless_the_url_says_tls_verify_off():
    checked = SmtpMailer("smtp://mail.example.org").context
    assert checked.verify_mode == ssl.CERT_REQUIRED and checked.check_hostname
    unchecked = SmtpMailer("smtp://localhost?tls_verify=off").context
    assert unchecked.verify_mode == ssl.CERT_NONE and not unchecked.check_hostname


@pytest.mark.parametrize("url, complaint", [
    ("http://mail.example.org", "smtp:// or smtps://"),
    ("smtp://", "names no host"),
    ("smtp://mail.example.org:port", "port"),
    ("smtp://mail.example.org:99999", "port"),
    ("smtp://mail.example.org?tls_verify=maybe", "tls_verify"),
    ("smtp://mail.example.org?verify=off", "unknown SMTP URL option"),
    ("smtp://zo%C3%AB:pw@mail.example.org", "ASCII")])
def test_an_smtp_url_that_cannot_work_is_refused_when_the_mailer_is_made(url, complaint):
    with pytest.raises(ValueError, match=complaint):
        SmtpMailer(url)


def test_the_settings_choose_smtp_when_a_url_is_set_and_files_otherwise(tmp_path):
    settings = replace(SETTINGS, instance_dir=tmp_path)
    files = mailer_for(settings)
    assert isinstance(files, FileMailer) and files.folder == tmp_path / "mail"
    smtp = mailer_for(replace(settings, smtp_url="smtps://u:p@mail.example.org"))
    assert isinstance(smtp, SmtpMailer)
    assert (smtp.host, smtp.port, smtp.implicit_tls, smtp.username) == \
        ("mail.example.org", 465, True, "u")


def test_the_embedded_default_writes_a_complete_eml_file_and_nothing_half_done(tmp_path):
    sent = composed()
    FileMailer(tmp_path / "mail").send(sent)
    [path] = (tmp_path / "mail").iterdir()
    assert path.suffix == ".eml" and path.name.endswith("-n9-email_example.org.eml")
    read = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    for header in ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe",
                   "List-Unsubscribe-Post"):
        assert read[header] == str(sent[header])
    for part in ("plain", "html"):
        assert read.get_body((part,)).get_content() == sent.get_body((part,)).get_content()


def test_every_message_gets_a_file_of_its_own_and_the_path_is_logged(tmp_path, caplog):
    mailer = FileMailer(tmp_path)
    with caplog.at_level("INFO", logger="exchange.adapters.mail"):
        mailer.send(composed())
        mailer.send(composed())
    assert len(list(tmp_path.glob("*.eml"))) == 2
    assert str(tmp_path) in caplog.text
