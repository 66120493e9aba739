"""Ports: what the core needs from the outside, as small protocols.

Adapters in ``exchange.adapters`` implement them (RQ, Redis presence); tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple, Protocol


class JobSpec(NamedTuple):
    """One job for ``JobQueue.enqueue_many``: due now when ``when`` is None."""
    func: str
    args: tuple
    job_id: str
    queue: str
    when: datetime | None = None


class JobQueue(Protocol):
    def enqueue(self, func: str, *args, job_id: str, queue: str = "default") -> None: ...

    def enqueue_at(self, when: datetime, func: str, *args, job_id: str,
                   queue: str = "default") -> None: ...

    def enqueue_many(self, jobs: Sequence[JobSpec]) -> None:
        """As ``enqueue``/``enqueue_at`` for each, in as few round trips as the queue allows."""

    def cancel(self, job_id: str) -> None: ...


class Presence(Protocol):
    def online(self, member_ids: Iterable[int]) -> set[int]: ...


class HopTrace(Protocol):
    """Where an ask's way from post to first offer spends its time: ``mark(ask_id, hop)``
    notes when a hop was reached (the first time only; ``at`` in epoch seconds, default now).
    Hops, in order: ``received``, ``committed``, ``enqueued``, ``job_started``,
    ``offers_committed``, ``published``. Off unless ``EXCHANGE_TRACE_HOPS`` is set."""

    def mark(self, ask_id: int, hop: str, at: float | None = None) -> None: ...


class NoHops:
    def mark(self, ask_id: int, hop: str, at: float | None = None) -> None:
        return None


class NoPresence:
    """Nobody is known to be online (before the live-notifications layer fills this in)."""

    def online(self, member_ids: Iterable[int]) -> set[int]:
        return set()


# --- reaching members off the page ---------------------------------------------------------------

class DeliveryDeferred(Exception):
    """The message could not be handed over now (server down, 4xx, a timeout): try later.
    Nothing was delivered, as far as the sender can tell."""


class DeliveryRefused(Exception):
    """The message can never be handed over as it is (an address or endpoint refused for
    good): record it as failed and do not retry."""


class Mailer(Protocol):
    """Hands one composed email (``email.message.EmailMessage``) to the mail system.

    Raises ``DeliveryDeferred`` when a later try may succeed and ``DeliveryRefused`` when it
    cannot; returns normally once the message was accepted (an SMTP 250, a file written)."""

    def send(self, message) -> None: ...


class PushSender(Protocol):
    """Sends one encrypted Web Push message (RFC 8291) to one subscription.

    ``subscription`` is ``{"endpoint": …, "keys": {"p256dh": …, "auth": …}}``. Returns True
    when the push service accepted it, False when the subscription is gone (404/410: remove
    it); raises ``DeliveryDeferred`` for anything worth retrying."""

    public_key: str  # the VAPID application server key, base64url (for PushManager.subscribe)

    def send(self, subscription: dict, payload: bytes, *, ttl: int, urgency: str,
             topic: str | None = None) -> bool: ...
