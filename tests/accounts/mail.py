"""Reading what the account-mail jobs wrote: ``.eml`` files, parsed as a mail client would, and
the links in them (not a test module)."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

LINK = re.compile(r"https?://[^\s<>\"]+/(?:verify|reset)\?token=[A-Za-z0-9_.\-]+")


class Mailbox:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        """Every message written so far, oldest first (optionally only those to ``to``)."""
        files = sorted(self.folder.glob("*.eml")) if self.folder.exists() else []
        found = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
        return [m for m in found if to is None or m["To"] == to]

    def subjects(self, to: str | None = None) -> list[str]:
        return [str(m["Subject"]) for m in self.messages(to)]

    def last(self, to: str) -> EmailMessage:
        found = self.messages(to)
        assert found, f"no mail to {to}; there is mail to {[m['To'] for m in self.messages()]}"
        return found[-1]


def text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def link(message: EmailMessage) -> str:
    found = LINK.search(text(message))
    assert found, f"no link in:\n{text(message)}"
    return found.group(0)


def token(message: EmailMessage) -> str:
    return parse_qs(urlsplit(link(message)).query)["token"][0]


def links_in(messages) -> list[str]:
    return [m.group(0) for message in messages for m in LINK.finditer(text(message))]


def verified_member(api, run_jobs, mailbox: Mailbox, handle: str, **profile) -> dict:
    """A member whose address is verified the way a member does it: by the emailed link."""
    who = api.member(handle, **profile)
    run_jobs()
    r = api.client.post("/api/v1/auth/email/confirm",
                        json={"token": token(mailbox.last(f"{handle}@example.org"))})
    assert r.status_code == 204, r.get_json()
    return who
