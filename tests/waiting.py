"""Waiting on an event, never on the clock: ``wait_until`` polls a condition until it holds or a
deadline passes (then the caller's assertion fails with the last value). The deadline bounds a
hung test; it is not a measure of how long anything should take."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 5.0, every: float = 0.02) -> T:
    """Poll ``predicate`` until it is truthy or ``timeout`` passes; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(every)
