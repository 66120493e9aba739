"""The SMTP test server itself (``tests/fixtures/smtp.py``) does what other tests rely on:
stalling a message mid-send and letting it go, coming back on the same port, waiting with a
bound."""

from __future__ import annotations

import smtplib
import threading
from email.message import EmailMessage

import pytest

from exchange.ports import DeliveryDeferred

WAIT = 10


def simple(number: int = 1) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = "hello@example.org", "ada@example.org"
    message["Subject"], message["Message-ID"] = f"Note {number}", f"<n{number}@example.org>"
    message.set_content("Hello.")
    return message


def send_in_background(mailer, message) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run():
        try:
            mailer.send(message)
            outcome.append("sent")
        except Exception as err:  # the test reads what happened
            outcome.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_stalled_message_waits_for_release_and_then_counts_as_delivered(smtp_server):
    smtp_server.stall_next()
    thread, outcome = send_in_background(smtp_server.mailer(timeout=WAIT), simple())
    assert smtp_server.wait_stalled(1)
    assert smtp_server.messages == [] and outcome == []
    assert smtp_server.release(accept=True) == 1
    thread.join(WAIT)
    assert outcome == ["sent"]
    assert [m.message["Subject"] for m in smtp_server.messages] == ["Note 1"]


def test_a_stalled_message_let_go_unaccepted_is_deferred_and_not_kept(smtp_server):
    smtp_server.stall_next()
    thread, outcome = send_in_background(smtp_server.mailer(timeout=WAIT), simple())
    assert smtp_server.wait_stalled(1)
    smtp_server.release(accept=False)
    thread.join(WAIT)
    assert isinstance(outcome[0], DeliveryDeferred) and "451" in str(outcome[0])
    assert smtp_server.messages == []


def test_a_message_whose_sender_died_while_stalled_is_kept_when_accepted(smtp_server):
    smtp_server.stall_next()
    client = smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=WAIT)
    client.ehlo()
    client.mail("hello@example.org")
    client.rcpt("ada@example.org")
    assert client.docmd("DATA")[0] == 354
    client.send(simple().as_bytes().replace(b"\n", b"\r\n") + b".\r\n")
    assert smtp_server.wait_stalled(1)
    client.close()  # the sender is gone before it hears the answer
    smtp_server.release(accept=True)
    [got] = smtp_server.messages
    assert got.message["Message-ID"] == "<n1@example.org>"


def test_only_the_next_messages_stall(smtp_server):
    smtp_server.stall_next(1)
    thread, _ = send_in_background(smtp_server.mailer(timeout=WAIT), simple(1))
    assert smtp_server.wait_stalled(1)
    smtp_server.mailer().send(simple(2))
    assert [m.message["Subject"] for m in smtp_server.messages] == ["Note 2"]
    smtp_server.release()
    thread.join(WAIT)
    assert [m.message["Subject"] for m in smtp_server.messages] == ["Note 2", "Note 1"]


def test_stopping_drops_what_is_held_and_the_sender_hears_of_it(smtp_server):
    smtp_server.stall_next()
    thread, outcome = send_in_background(smtp_server.mailer(timeout=WAIT), simple())
    assert smtp_server.wait_stalled(1)
    smtp_server.stop()
    thread.join(WAIT)
    assert isinstance(outcome[0], DeliveryDeferred)
    assert smtp_server.messages == [] and smtp_server.stalled == 0


def test_the_server_comes_back_on_the_same_port_with_what_it_had(smtp_server):
    port = smtp_server.port
    smtp_server.mailer().send(simple(1))
    smtp_server.stop()
    assert not smtp_server.running
    smtp_server.start()
    smtp_server.mailer().send(simple(2))
    assert smtp_server.port == port
    assert len(smtp_server.wait_for(2)) == 2


def test_failures_apply_to_the_next_messages_only(smtp_server):
    smtp_server.fail_next(2, code=451)
    mailer = smtp_server.mailer()
    for _ in range(2):
        with pytest.raises(DeliveryDeferred):
            mailer.send(simple())
    mailer.send(simple())
    assert len(smtp_server.messages) == 1


def test_waiting_for_more_than_arrived_fails_naming_what_did(smtp_server):
    smtp_server.mailer().send(simple(1))
    with pytest.raises(AssertionError, match=r"expected 2 message\(s\), the server has 1"):
        smtp_server.wait_for(2, timeout=0.05)


def test_an_unknown_failure_stage_or_code_is_refused(smtp_server):
    with pytest.raises(ValueError):
        smtp_server.fail_next(code=250)
    with pytest.raises(ValueError):
        smtp_server.fail_next(at="helo")
