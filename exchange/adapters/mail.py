"""The mail port's two adapters: SMTP for production, ``.eml`` files for the embedded default.

``SmtpMailer`` speaks to the server in ``EXCHANGE_SMTP_URL``: ``smtp://[user:pass@]host[:port]``
(STARTTLS whenever the server offers it; port 25 by default) or ``smtps://…`` (TLS from the
first byte; port 465). A server that cannot be reached, times out or answers 4xx defers the
message (the job retries it later); 5xx for the recipient refuses it for good.

``FileMailer`` writes each message to ``<instance>/mail/<time>-<message id>.eml`` and logs the
path, so ``exchange serve`` with no setup shows exactly what would have been sent.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from pathlib import Path
from urllib.parse import unquote, urlsplit

from exchange.clock import utcnow
from exchange.ports import DeliveryDeferred, DeliveryRefused, Mailer

log = logging.getLogger(__name__)
TIMEOUT = 20


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


class SmtpMailer:
    def __init__(self, url: str, *, timeout: float = TIMEOUT,
                 context: ssl.SSLContext | None = None):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("an SMTP URL starts with smtp:// or smtps://")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self.context = context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=self.context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=self.context)
            smtp.ehlo()
        return smtp

    def send(self, message) -> None:
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as err:
            raise _by_code(err.recipients, str(err)) from err
        except smtplib.SMTPResponseException as err:
            if 500 <= err.smtp_code < 600 and not isinstance(err, smtplib.SMTPAuthenticationError):
                raise DeliveryRefused(f"{err.smtp_code} {err.smtp_error!r}") from err
            raise DeliveryDeferred(f"{err.smtp_code} {err.smtp_error!r}") from err
        except (smtplib.SMTPException, OSError) as err:  # refused, reset, timed out, TLS
            raise DeliveryDeferred(f"{type(err).__name__}: {err}") from err
        if refused:
            raise _by_code(refused, f"refused: {refused}")


def _by_code(recipients: dict, text: str) -> Exception:
    codes = [code for code, _ in recipients.values()]
    if codes and all(500 <= code < 600 for code in codes):
        return DeliveryRefused(text)
    return DeliveryDeferred(text)


def mailer_for(settings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url)
    return FileMailer(settings.mail_dir)
