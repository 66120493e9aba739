"""Every email the exchange sends is composed here, from templates, in one shape.

A ``Letter`` says what to send: to whom, the template (``templates/<name>.txt`` and
``<name>.html``, both rendered from the same context; HTML autoescaped, so member text is
always text), a stable ``Message-ID`` (derived from what the mail is about, so a retried send
is recognisably the same message) and, for mail a member may opt out of, the one-click
unsubscribe link (RFC 8058: ``List-Unsubscribe`` with an https URL that takes a POST, and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``).

The subject is the template's first line (``Subject: …`` in the ``.txt``), so the words of a
message live in one file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from exchange.clock import utcnow

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
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                       autoescape=select_autoescape(enabled_extensions=("html",),
                                                    default_for_string=False),
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def message_id(local: str, settings) -> str:
    """``<local>@<the sending domain>``, the domain taken from ``EXCHANGE_MAIL_FROM``."""
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    return f"{local}@{domain}"


def _subject_and_body(text: str) -> tuple[str, str]:
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError("a mail template's first line is 'Subject: …'")
    return " ".join(first.removeprefix("Subject:").split()), rest.lstrip("\n")


def render(letter: Letter, settings) -> EmailMessage:
    env = environment()
    context = {"base_url": settings.link(""), "unsubscribe_url": letter.unsubscribe_url,
               **letter.context}
    subject, text = _subject_and_body(env.get_template(f"{letter.template}.txt").render(context))
    html = env.get_template(f"{letter.template}.html").render({**context, "subject": subject})
    message = EmailMessage()
    name, address = parseaddr(settings.mail_from)
    message["From"] = formataddr((name, address)) if name else address
    message["To"] = letter.to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = f"<{letter.message_id}>"
    message["Auto-Submitted"] = "auto-generated"
    if letter.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if letter.kind:
        message["X-Exchange-Kind"] = letter.kind
    for key, value in letter.headers.items():
        message[key] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
