"""A part that is away (the database, Redis) is an operations event, not a fault in the code:
it is logged as one warning line when noticed and then at most once a minute while it lasts —
never a traceback per request or per job, which would bury the line that matters.

``OutageLog(logger, "Redis")``: ``.away(error, consequence)`` on each failure meeting the
outage (cheap: it usually writes nothing), ``.back()`` when the part answers again.
"""

from __future__ import annotations

import logging
import threading
import time

EVERY_SECONDS = 60.0


def first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip()
    return f"{type(cause).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")


class OutageLog:
    def __init__(self, logger: logging.Logger, part: str, every: float = EVERY_SECONDS):
        self.logger, self.part, self.every = logger, part, every
        self._lock = threading.Lock()
        self._last: float | None = None  # when the last line was written; None: not away

    def away(self, error: BaseException, consequence: str) -> None:
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._last < self.every:
                return
            self._last = now
        self.logger.warning("%s is unavailable (%s); %s (this line: once a minute at most)",
                            self.part, first_line(error), consequence)

    def back(self) -> None:
        with self._lock:
            was_away, self._last = self._last is not None, None
        if was_away:
            self.logger.warning("%s answers again", self.part)
