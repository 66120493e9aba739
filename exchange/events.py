"""Domain events: facts a service records during a unit of work.

They are dispatched only after the transaction commits (``exchange.dispatch``); a rolled-back
unit of work drops them. Each is a small frozen dataclass of ids and kinds, never ORM objects,
so handlers re-fetch what they need and can run in another process.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class NotificationStored(Event):
    """A notification row was written; the push leaves after commit."""

    notification_id: int
    member_id: int
    kind: str


@dataclass(frozen=True)
class AskPosted(Event):
    ask_id: int


@dataclass(frozen=True)
class AskReopened(Event):
    ask_id: int
    skip_member_id: int | None = None


@dataclass(frozen=True)
class AskStateChanged(Event):
    ask_id: int
    status: str


@dataclass(frozen=True)
class HelpConfirmed(Event):
    ask_id: int
    transfer_id: int
