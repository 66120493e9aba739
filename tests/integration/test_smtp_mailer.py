"""The SMTP adapter against a real SMTP server (``tests/fixtures/smtp.py``): what arrives, over
what, and how every way an attempt can end is classified (sent, deferred, refused)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest

from exchange.adapters.mail import SmtpMailer
from exchange.mail.compose import Letter, render
from exchange.ports import DeliveryDeferred, DeliveryRefused
from tests.mail_samples import BASE, SETTINGS, notifications_context

LOGIN = ("mailer", "p@ss:w/rd")  # characters that must be percent-encoded in the URL


def simple(to: str = "ada@example.org") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = "The exchange <hello@example.org>", to
    message["Subject"], message["Message-ID"] = "Hello", "<n1-email@example.org>"
    message.set_content("A few words.")
    return message


def composed(unsubscribe_url: str | None = f"{BASE}/mail/unsubscribe?token=t") -> EmailMessage:
    return render(Letter(to="Ada Okafor <ada@example.org>", template="notifications",
                         context=notifications_context("ask.offered"),
                         message_id="n42-email@example.org", unsubscribe_url=unsubscribe_url,
                         kind="ask.offered"), SETTINGS)


# --- delivered -----------------------------------------------------------------------------------

def test_a_message_is_delivered_over_plain_smtp_with_its_envelope(smtp_server):
    smtp_server.mailer().send(simple())
    [got] = smtp_server.wait_for(1)
    assert (got.mail_from, got.rcpt_tos) == ("hello@example.org", ("ada@example.org",))
    assert got.message["Message-ID"] == "<n1-email@example.org>"
    assert got.message.get_content().strip() == "A few words."
    assert not got.tls


def test_starttls_is_used_whenever_the_server_offers_it(smtp_server_factory):
    server = smtp_server_factory(tls="starttls")
    server.mailer().send(simple())
    [got] = server.wait_for(1)
    assert got.tls


def test_smtps_speaks_tls_from_the_first_byte(smtp_server_factory):
    server = smtp_server_factory(tls="implicit")
    assert server.url.startswith("smtps://")
    server.mailer().send(simple())
    [got] = server.wait_for(1)
    assert got.tls


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_a_login_in_the_url_is_percent_decoded_and_used(smtp_server_factory, tls):
    server = smtp_server_factory(tls=tls, login=LOGIN)
    server.mailer().send(simple())
    [got] = server.wait_for(1)
    assert got.login == "mailer" and got.tls


def test_a_message_needs_the_login_when_the_server_requires_one(smtp_server_factory):
    server = smtp_server_factory(tls="starttls", login=LOGIN)
    mailer = SmtpMailer(server.url, timeout=5, context=server.client_context)
    with pytest.raises(DeliveryDeferred, match="530"):
        mailer.send(simple())
    assert server.messages == []


# --- misconfiguration: deferred, and said loudly -------------------------------------------------

def test_a_refused_login_defers_the_mail_and_logs_an_error(smtp_server_factory, caplog):
    server = smtp_server_factory(tls="starttls", login=LOGIN)
    mailer = SmtpMailer(server.url_with("mailer", "wrong"), timeout=5,
                        context=server.client_context)
    with caplog.at_level(logging.ERROR, logger="exchange.adapters.mail"):
        with pytest.raises(DeliveryDeferred, match="refused the login"):
            mailer.send(simple())
    assert "check EXCHANGE_SMTP_URL" in caplog.text and "wrong" not in caplog.text
    assert server.messages == []


def test_a_password_is_never_sent_in_the_clear(smtp_server_factory, caplog):
    server = smtp_server_factory(tls="none", login=LOGIN)
    with caplog.at_level(logging.ERROR, logger="exchange.adapters.mail"):
        with pytest.raises(DeliveryDeferred, match="never sent in the clear"):
            server.mailer().send(simple())
    assert server.logins_tried == [] and server.messages == []
    assert "check EXCHANGE_SMTP_URL" in caplog.text


def test_an_untrusted_certificate_defers_the_mail_and_says_how_to_fix_it(smtp_server_factory,
                                                                         caplog):
    server = smtp_server_factory(tls="starttls")
    mailer = SmtpMailer(server.url, timeout=5)  # the system's CAs: the test CA is not among them
    with caplog.at_level(logging.ERROR, logger="exchange.adapters.mail"):
        with pytest.raises(DeliveryDeferred, match="certificate"):
            mailer.send(simple())
    assert "tls_verify=off" in caplog.text
    assert server.messages == []


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_tls_verify_off_accepts_a_certificate_nobody_vouches_for(smtp_server_factory, tls):
    server = smtp_server_factory(tls=tls)
    SmtpMailer(f"{server.url}?tls_verify=off", timeout=5).send(simple())
    [got] = server.wait_for(1)
    assert got.tls


def test_a_refused_sender_defers_the_mail_and_names_the_setting(smtp_server, caplog):
    smtp_server.fail_next(code=553, text="5.7.1 Not allowed to send as that", at="mail")
    with caplog.at_level(logging.ERROR, logger="exchange.adapters.mail"):
        with pytest.raises(DeliveryDeferred, match="553"):
            smtp_server.mailer().send(simple())
    assert "EXCHANGE_MAIL_FROM" in caplog.text


# --- the server away or busy: deferred -----------------------------------------------------------

def test_a_server_that_is_down_defers_and_the_same_message_goes_once_it_is_back(smtp_server):
    mailer = smtp_server.mailer()
    smtp_server.stop()
    with pytest.raises(DeliveryDeferred):
        mailer.send(simple())
    smtp_server.start()
    mailer.send(simple())
    [got] = smtp_server.wait_for(1)
    assert got.message["Message-ID"] == "<n1-email@example.org>"


@pytest.mark.parametrize("at", ["rcpt", "data"])
def test_a_4xx_answer_defers(smtp_server, at):
    smtp_server.fail_next(code=451, at=at)
    with pytest.raises(DeliveryDeferred, match="451"):
        smtp_server.mailer().send(simple())
    smtp_server.mailer().send(simple())  # the next try goes through
    assert len(smtp_server.wait_for(1)) == 1


def test_a_full_mailbox_at_rcpt_is_temporary_even_as_552(smtp_server):
    smtp_server.fail_next(code=552, text="5.2.2 Mailbox full", at="rcpt")
    with pytest.raises(DeliveryDeferred):
        smtp_server.mailer().send(simple())


def test_a_server_that_does_not_answer_in_time_defers(smtp_server):
    smtp_server.stall_next()
    with pytest.raises(DeliveryDeferred, match="timed out"):
        smtp_server.mailer(timeout=0.5).send(simple())
    smtp_server.release(accept=False)


# --- refused for good ----------------------------------------------------------------------------

@pytest.mark.parametrize("at", ["rcpt", "data"])
def test_a_5xx_answer_for_the_recipient_or_the_message_refuses(smtp_server, at):
    smtp_server.fail_next(code=550, at=at)
    with pytest.raises(DeliveryRefused, match="550"):
        smtp_server.mailer().send(simple())
    assert smtp_server.messages == []


def test_an_address_that_needs_smtputf8_is_refused_by_a_server_without_it(smtp_server_factory):
    server = smtp_server_factory(smtputf8=False)
    with pytest.raises(DeliveryRefused, match="cannot take this message"):
        server.mailer().send(simple(to="zoë@example.org"))


def test_an_address_that_needs_smtputf8_goes_to_a_server_with_it(smtp_server):
    smtp_server.mailer().send(simple(to="zoë@example.org"))
    [got] = smtp_server.wait_for(1)
    assert got.rcpt_tos == ("zoë@example.org",)


def test_once_the_server_took_the_message_a_failed_goodbye_is_not_a_failure(smtp_server):
    smtp_server.fail_next(code=500, text="5.0.0 Odd goodbye", at="quit")
    smtp_server.mailer().send(simple())  # returns: deferring now would send it twice
    assert len(smtp_server.wait_for(1)) == 1


def unix(part) -> str:
    """A part's text with the wire's CRLF line ends back to LF."""
    return part.get_content().replace("\r\n", "\n")


# --- a composed message, end to end --------------------------------------------------------------

def test_a_composed_message_arrives_whole(smtp_server):
    sent = composed()
    smtp_server.mailer().send(sent)
    [got] = smtp_server.wait_for(1)
    message = got.message
    assert message.get_content_type() == "multipart/alternative"
    text, html = (unix(message.get_body((part,))) for part in ("plain", "html"))
    assert text == unix(sent.get_body(("plain",))) and "I can help: " in text
    assert html == unix(sent.get_body(("html",))) and ">Not this time</a>" in html
    assert message["Message-ID"] == "<n42-email@example.org>"
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["From"] == "The exchange <hello@example.org>"
    assert message["To"] == "Ada Okafor <ada@example.org>"
    assert message["Subject"] == str(sent["Subject"]) and message["Subject"].startswith("Could")
    assert message["List-Unsubscribe"] == f"<{BASE}/mail/unsubscribe?token=t>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert got.rcpt_tos == ("ada@example.org",)


def test_a_composed_message_without_an_unsubscribe_link_arrives_without_either_header(
        smtp_server):
    smtp_server.mailer().send(composed(unsubscribe_url=None))
    [got] = smtp_server.wait_for(1)
    assert "List-Unsubscribe" not in got.message
    assert "List-Unsubscribe-Post" not in got.message
