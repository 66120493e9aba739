"""Ports: what the core needs from the outside, as small protocols.

Adapters in ``exchange.adapters`` implement them (RQ, Redis presence); tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol


class JobQueue(Protocol):
    def enqueue(self, func: str, *args, job_id: str, queue: str = "default") -> None: ...

    def enqueue_at(self, when: datetime, func: str, *args, job_id: str,
                   queue: str = "default") -> None: ...

    def cancel(self, job_id: str) -> None: ...


class Presence(Protocol):
    def online(self, member_ids: Iterable[int]) -> set[int]: ...


class NoPresence:
    """Nobody is known to be online (before the live-notifications layer fills this in)."""

    def online(self, member_ids: Iterable[int]) -> set[int]:
        return set()
