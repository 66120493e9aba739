"""Domain events: facts a service records during a unit of work.

They are dispatched only after the transaction commits (``exchange.dispatch``); a rolled-back
unit of work drops them. Each is a small frozen dataclass of ids, kinds and ISO times — never
ORM objects — so handlers re-fetch what they need and can run in another process.

``durable`` events drive jobs (matching, reminders, expiry, reinstatement). The unit of work
also writes them to the outbox in the same transaction, so a job is never lost when Redis is
away at commit time: the reconciler re-dispatches what is still pending (``exchange.outbox``).
Every durable event has a handler in ``exchange.handlers.EVENT_HANDLERS`` (a test holds it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Event:
    durable: ClassVar[bool] = False

    def payload(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class NotificationStored(Event):
    """A notification row was written; the push leaves after commit (``payload`` None: the
    member does not want this kind live, so nothing is pushed)."""

    notification_id: int
    member_id: int
    kind: str
    payload: dict | None = None  # the stored notification, exactly as pushed and as listed


@dataclass(frozen=True)
class AskClosedToHelpers(Event):
    """An open ask stopped needing anyone (``why``: ``taken``, ``cancelled``, ``expired`` or
    ``hidden``). Not a notification: a signal to every open page that may list it among the
    asks someone could help with (members with one of its ``tags``, or everyone when it has
    none), so its card stops offering "I can help". Not durable: a page loaded later reads the
    truth from the API (docs/decisions/0021-closed-ask-signal.md)."""

    ask_id: int
    why: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class OffPageDue(Event):
    """A notification may have to reach its member off the page, by email and/or Web Push
    (the channels the member has on for its kind). Durable: the jobs that decide and send
    must not be lost to a Redis outage."""

    durable: ClassVar[bool] = True
    notification_id: int
    member_id: int
    kind: str
    created_at: str
    email: bool = False
    push: bool = False
    # The member had a page open when it was stored (the wave's presence check): the push
    # job would only put itself off until the live delay has passed, so it is planned for
    # then at once (as the job's own ``late`` run), and the worker is not woken for nothing.
    online: bool = False


@dataclass(frozen=True)
class TokenRevoked(Event):
    """Sockets opened with this token are dropped wherever they are connected."""

    token_id: int
    member_id: int


@dataclass(frozen=True)
class MemberSuspended(Event):
    """A member was suspended (``until`` ISO time) or banned (``until`` None): their sockets
    are dropped everywhere, and a suspension schedules its own automatic reinstatement."""

    durable: ClassVar[bool] = True
    member_id: int
    until: str | None = None


@dataclass(frozen=True)
class AskPosted(Event):
    durable: ClassVar[bool] = True
    ask_id: int
    expires_at: str | None = None


@dataclass(frozen=True)
class AskReopened(Event):
    durable: ClassVar[bool] = True
    ask_id: int
    skip_member_id: int | None = None
    round: int = 0


@dataclass(frozen=True)
class AskStateChanged(Event):
    durable: ClassVar[bool] = True
    ask_id: int
    status: str
    round: int = 0
    window_start: str | None = None
    at: str | None = None


@dataclass(frozen=True)
class HelpConfirmed(Event):
    """A help was confirmed and its ledger transfer written. Nothing outside the database
    follows from it today (``AskStateChanged`` plans the thanks reminders), so it is not
    durable: no outbox row waits for a handler that does not exist."""

    ask_id: int
    transfer_id: int
    at: str | None = None


@dataclass(frozen=True)
class WaveSent(Event):
    """A wave of offers went out; the next one is due at ``next_at`` unless someone accepts."""

    durable: ClassVar[bool] = True
    ask_id: int
    round: int
    wave: int
    next_at: str | None = None


@dataclass(frozen=True)
class AccountMailRequested(Event):
    """Account mail to send: a link to verify an address or confirm a new one, a password-reset
    link, or a notice (password changed, address change asked for, someone tried to use your
    address). A job sends it, never the request; durable, so a Redis outage delays it only.

    ``address`` is where it goes, as it was when asked for: the job sends only if that still
    holds. ``member_id`` None (a reset asked for an address no account can reset) still makes
    a job, which sends nothing: the request does the same work either way. ``other_address``
    is the new address a notice to the old one names. ``ref`` makes this request its own: the
    job id and the delivery key are built from it (a day, ``20261203``, for the notices sent at
    most once a day per address)."""

    durable: ClassVar[bool] = True
    purpose: str
    member_id: int | None
    address: str
    ref: str
    other_address: str = ""

    @property
    def job_id(self) -> str:
        """``account-{purpose}-{member}-{ref}``: the same request, the same job, once."""
        return f"account-{self.purpose}-{self.member_id or 0}-{self.ref}"


ACCOUNT_MAIL = ("verify", "email_change", "email_change_notice", "address_in_use", "reset",
                "password_changed")


DURABLE: dict[str, type[Event]] = {
    cls.__name__: cls for cls in Event.__subclasses__() if cls.durable
}


def from_outbox(topic: str, payload: dict) -> Event:
    return DURABLE[topic](**payload)
