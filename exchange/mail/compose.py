"""Every email the exchange sends is composed here, from templates, in one shape.

A ``Letter`` says what to send: to whom, the template (``templates/<name>.txt`` and
``<name>.html``, both rendered from the same context; HTML autoescaped, so member text is
always text), a stable ``Message-ID`` (derived from what the mail is about, so a retried send
is recognisably the same message) and, for mail a member may opt out of, the one-click
unsubscribe link (RFC 8058: ``List-Unsubscribe`` with an https URL that takes a POST, and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``).

The subject is the template's first line (``Subject: …`` in the ``.txt``), so the words of a
message live in one file. The templates may call ``notification_mail`` and ``digest_mail``
(``exchange.mail.views``, where the per-kind wording lives) and use the filters ``quoted`` (member
text in plain text) and ``lines`` (member text in HTML, escaped, line breaks kept).

Every message says it was sent automatically (``Auto-Submitted: auto-generated``, RFC 3834, and
``X-Auto-Response-Suppress: OOF, AutoReply`` for Microsoft servers), so out-of-office replies do
not come back to the sending address.
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from exchange.clock import utcnow
from exchange.mail import views

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Letter:
    to: str
    template: str
    context: dict
    message_id: str  # without angle brackets: "n42-email@exchange.example.org"
    unsubscribe_url: str | None = None
    kind: str = ""
    headers: dict = field(default_factory=dict)


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html",),
                                                   default_for_string=False),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals.update(views.GLOBALS)
    env.filters.update(views.FILTERS)
    return env


def sender(settings) -> Address:
    """``EXCHANGE_MAIL_FROM`` parsed as the From header will carry it (checked when the
    settings load: one address)."""
    return email.policy.default.header_factory("From", settings.mail_from).addresses[0]


def message_id(local: str, settings) -> str:
    """``<local>@<the sending domain>``, the domain taken from ``EXCHANGE_MAIL_FROM``."""
    return f"{local}@{sender(settings).domain or 'localhost'}"


def _subject_and_body(text: str) -> tuple[str, str]:
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError("a mail template's first line is 'Subject: …'")
    subject = " ".join(first.removeprefix("Subject:").split())
    if not subject:
        raise ValueError("a mail template's subject line is empty")
    return subject, rest.lstrip("\n")


def render(letter: Letter, settings) -> EmailMessage:
    env = environment()
    context = {"base_url": settings.link(""), "unsubscribe_url": letter.unsubscribe_url,
               **letter.context}
    subject, text = _subject_and_body(env.get_template(f"{letter.template}.txt").render(context))
    html = env.get_template(f"{letter.template}.html").render({**context, "subject": subject})
    message = EmailMessage()
    message["From"] = sender(settings)
    message["To"] = letter.to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = f"<{letter.message_id.strip('<>')}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    if letter.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if letter.kind:
        message["X-Exchange-Kind"] = letter.kind
    for key, value in letter.headers.items():  # replace, never a second copy of a header
        del message[key]
        message[key] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
