"""The mail port's two adapters: SMTP for production, ``.eml`` files for the embedded default.

``SmtpMailer`` speaks to the server in ``EXCHANGE_SMTP_URL``: ``smtp://[user:pass@]host[:port]``
(port 25 by default; STARTTLS whenever the server offers it) or ``smtps://…`` (TLS from the
first byte; port 465). The user and password are percent-decoded (``p%40ss`` is ``p@ss``) and
must be ASCII. The server's certificate is checked against the system's CAs and the host name,
unless the URL ends in ``?tls_verify=off`` — for a relay on the same host or network that
offers STARTTLS with a self-signed certificate (a stock Postfix does), where the only other way
out would be to keep mail from leaving at all.

How an attempt ends, and why:

- the server took it (250): ``send`` returns. Whatever happens after that (a failed QUIT, a
  dropped connection) is not an error: the message is the server's now, and calling it
  deferred would send it twice.
- ``DeliveryRefused`` (record it as failed, never retry): the server refused the recipient
  with a 5xx, or refused the message itself after DATA with a 5xx, or the message needs
  SMTPUTF8 and the server has none. Trying again cannot change any of these.
- ``DeliveryDeferred`` (try later): the server cannot be reached, timed out, dropped the line,
  failed the TLS handshake, or answered 4xx. Also every *misconfiguration*: a refused login, no
  AUTH or no STARTTLS where a login needs it (a password never goes in the clear), a sender
  address the server refuses, a certificate that does not verify. Those are logged as errors
  naming what to fix, and the mail waits: refusing it would throw away every message sent
  until an operator notices, while deferring sends them all once the setting is right.

One connection per message: simple, and the volume here (a few emails per member per day)
does not call for a pool. ``timeout`` bounds each network step, not the whole exchange.

``FileMailer`` writes each message to ``<instance>/mail/<time>-<message id>.eml`` and logs the
path, so ``exchange serve`` with no setup shows exactly what would have been sent.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from exchange.clock import utcnow
from exchange.ports import DeliveryDeferred, DeliveryRefused, Mailer

log = logging.getLogger(__name__)
TIMEOUT = 20
FIX_IT = "check EXCHANGE_SMTP_URL; mail waits and goes once it is fixed"


class FileMailer:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, message) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        ident = re.sub(r"[^A-Za-z0-9_.-]", "_", str(message["Message-ID"]).strip("<>"))[:80]
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{ident}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(path)  # a reader never sees half a message
        log.info("mail to %s written to %s", message["To"], path)


class _Misconfigured(Exception):
    """The setup, not this message, is wrong: every message would fail the same way."""


class SmtpMailer:
    def __init__(self, url: str, *, timeout: float = TIMEOUT,
                 context: ssl.SSLContext | None = None):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("an SMTP URL starts with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("the SMTP URL names no host")
        try:
            port = parts.port
        except ValueError:
            raise ValueError("the SMTP URL's port is not a number from 1 to 65535") from None
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = port or (465 if self.implicit_tls else 25)
        self.username = _credential(parts.username)
        self.password = _credential(parts.password) or ""
        self.timeout = timeout
        self.context = context or _context(_verify(parts.query))

    def send(self, message) -> None:
        try:
            refused = self._deliver(message)
        except _Misconfigured as err:
            log.error("mail cannot go to %s:%s: %s — %s", self.host, self.port, err, FIX_IT)
            raise DeliveryDeferred(str(err)) from err
        except smtplib.SMTPRecipientsRefused as err:
            raise _by_code(err.recipients) from err
        except smtplib.SMTPSenderRefused as err:
            log.error("the mail server refused the sender %s (%s %r) — check EXCHANGE_MAIL_FROM "
                      "and what the server lets it send as; mail waits meanwhile",
                      err.sender, err.smtp_code, err.smtp_error)
            raise DeliveryDeferred(f"sender refused: {err.smtp_code} {err.smtp_error!r}") from err
        except smtplib.SMTPDataError as err:
            raise _by_reply(err.smtp_code, err.smtp_error) from err
        except smtplib.SMTPNotSupportedError as err:  # only sending raises it now: SMTPUTF8
            raise DeliveryRefused(f"the server cannot take this message: {err}") from err
        except (smtplib.SMTPException, OSError) as err:  # refused, reset, timed out, TLS, 4xx
            log.warning("mail server %s:%s not reachable now (%s: %s); the message will be "
                        "tried again", self.host, self.port, type(err).__name__, err)
            raise DeliveryDeferred(f"{type(err).__name__}: {err}") from err
        if refused:  # only when some recipients of several were refused
            raise _by_code(refused)

    def _deliver(self, message) -> dict:
        smtp = self._open()
        try:
            self._secure(smtp)
            self._login(smtp)
            return smtp.send_message(message)
        finally:
            _hang_up(smtp)

    def _open(self) -> smtplib.SMTP:
        try:
            if self.implicit_tls:
                return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=self.context)
            return smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except ssl.SSLCertVerificationError as err:
            raise _Misconfigured(_untrusted(err)) from err

    def _secure(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo_or_helo_if_needed()
        if self.implicit_tls or not smtp.has_extn("starttls"):
            return
        try:
            smtp.starttls(context=self.context)
        except ssl.SSLCertVerificationError as err:
            raise _Misconfigured(_untrusted(err)) from err
        smtp.ehlo_or_helo_if_needed()  # what it offered before TLS is void (RFC 3207)

    def _login(self, smtp: smtplib.SMTP) -> None:
        if not self.username:
            return
        if not isinstance(smtp.sock, ssl.SSLSocket):
            raise _Misconfigured("the server offers no STARTTLS, and a password is never sent "
                                 "in the clear (use smtps:// or a server with STARTTLS)")
        if not smtp.has_extn("auth"):
            raise _Misconfigured("the URL has a login but the server offers no AUTH")
        try:
            smtp.login(self.username, self.password)
        except smtplib.SMTPAuthenticationError as err:
            raise _Misconfigured(f"the server refused the login for {self.username!r} "
                                 f"({err.smtp_code} {err.smtp_error!r})") from err
        except smtplib.SMTPException as err:  # no mechanism both sides know
            raise _Misconfigured(f"could not log in: {err}") from err


def _credential(raw: str | None) -> str | None:
    if not raw:
        return None
    value = unquote(raw)
    if not value.isascii():
        raise ValueError("the SMTP user name and password must be ASCII (smtplib's AUTH sends "
                         "them so)")
    return value


def _verify(query: str) -> bool:
    options = parse_qs(query, keep_blank_values=True)
    unknown = set(options) - {"tls_verify"}
    if unknown:
        raise ValueError(f"unknown SMTP URL option(s): {', '.join(sorted(unknown))}")
    value = options.get("tls_verify", ["on"])[-1]
    if value not in ("on", "off"):
        raise ValueError("tls_verify is 'on' or 'off'")
    return value == "on"


def _context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        log.warning("EXCHANGE_SMTP_URL has tls_verify=off: the mail server's certificate is not "
                    "checked; use it only for a relay you reach over a network you trust")
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _untrusted(err: ssl.SSLCertVerificationError) -> str:
    return (f"the server's TLS certificate does not verify ({err.verify_message}); fix the "
            "certificate, or for a self-signed relay you trust add ?tls_verify=off")


def _hang_up(smtp: smtplib.SMTP) -> None:
    """QUIT politely if the line is still up; the outcome is already decided either way."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def _by_reply(code: int, text) -> Exception:
    if 500 <= code < 600:
        return DeliveryRefused(f"{code} {text!r}")
    return DeliveryDeferred(f"{code} {text!r}")


def _by_code(recipients: dict) -> Exception:
    """Refused only if every recipient got a 5xx. A 552 at RCPT is a full mailbox: RFC 5321
    (4.5.3.1.10) asks clients to treat it as temporary."""
    codes = [code for code, _ in recipients.values()]
    if codes and all(500 <= code < 600 and code != 552 for code in codes):
        return DeliveryRefused(f"recipient refused: {recipients}")
    return DeliveryDeferred(f"recipient deferred: {recipients}")


def mailer_for(settings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url)
    return FileMailer(settings.mail_dir)
