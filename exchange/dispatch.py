"""After-commit dispatch: run each committed event's handlers, in the order events were emitted.

The unit of work hands its events here only once the commit has succeeded. Handlers are
adapters (enqueue a job, publish a push); the map comes from ``exchange.handlers`` with each
handler's dependencies bound by ``exchange.adapters.bootstrap``. A failing handler is logged by
name, ends that event's run, and never undoes the commit; the next event still runs.

An event counts as dispatched only when this process has handlers for it and every one of them
succeeded. So a durable event stays pending in the outbox both when a handler failed and when
this process has no handlers at all (no Redis configured: ``exchange demo`` before the first
``exchange serve``), and the worker's reconciler sends it later. A handler failing because its
backend is away (``unavailable``: Redis's connection errors, named by the adapters) is an
outage, logged once a minute at most (``exchange.outages``), not a traceback per event.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

from exchange import events
from exchange.outages import OutageLog

log = logging.getLogger(__name__)

Handler = Callable[[events.Event], None]


def handler_name(handler: Handler) -> str:
    """``enqueue_matching``, also through the ``functools.partial`` bootstrap binds."""
    while isinstance(handler, functools.partial):
        handler = handler.func
    return getattr(handler, "__qualname__", repr(handler))


BatchHandler = Callable[[list[events.Event]], None]


class Dispatcher:
    """``handlers``: per event. ``batch``: for a kind whose consecutive events are cheaper
    handled together (a wave's pushes, published in one round trip), handlers that take the
    run as a list; a lone event of that kind still goes through ``handlers``."""

    def __init__(self, handlers: Mapping[type[events.Event], Sequence[Handler]] | None = None,
                 batch: Mapping[type[events.Event], Sequence[BatchHandler]] | None = None,
                 unavailable: tuple[type[BaseException], ...] = ()):
        self.handlers: dict[type[events.Event], list[Handler]] = {
            kind: list(funcs) for kind, funcs in (handlers or {}).items()}
        self.batch: dict[type[events.Event], list[BatchHandler]] = {
            kind: list(funcs) for kind, funcs in (batch or {}).items()}
        self.unavailable = unavailable
        self.outage = OutageLog(log, "The job queue")

    def subscribe(self, kind: type[events.Event], handler: Handler) -> None:
        self.handlers.setdefault(kind, []).append(handler)

    def handles(self, kind: type[events.Event]) -> bool:
        return bool(self.handlers.get(kind))

    def run(self, event: events.Event) -> bool:
        """Run the handlers of one event in order; True when there were some and all succeeded.

        The first failure ends the event's run: the rest would most likely fail the same way
        (Redis away), each costing the request a connection attempt, and a durable event is
        retried whole by the reconciler (handlers are safe to run twice)."""
        handlers = self.handlers.get(type(event), [])
        for handler in handlers:
            try:
                handler(event)
            except Exception as error:  # noqa: BLE001 - a side effect must never undo a commit
                self._failed(error, "%s failed for %r", handler_name(handler), event)
                return False
        if handlers:
            self.outage.back()
        return bool(handlers)

    def run_many(self, run: list[events.Event]) -> bool:
        """A run of consecutive events of one kind through its batch handlers; as ``run``."""
        handlers = self.batch.get(type(run[0]), [])
        for handler in handlers:
            try:
                handler(run)
            except Exception as error:  # noqa: BLE001 - a side effect must never undo a commit
                self._failed(error, "%s failed for %d %s events", handler_name(handler),
                             len(run), type(run[0]).__name__)
                return False
        if handlers:
            self.outage.back()
        return bool(handlers)

    def _failed(self, error: Exception, message: str, *args) -> None:
        if isinstance(error, self.unavailable):
            self.outage.away(error, "events wait in the outbox and are sent once it is back")
        else:
            log.exception(message, *args)

    def dispatch(self, batch: Iterable[events.Event]) -> list[events.Event]:
        """Dispatch a committed batch in order; returns the events that were fully handled.
        Consecutive events of a kind with batch handlers go to them together."""
        pending, done, i = list(batch), [], 0
        while i < len(pending):
            kind, j = type(pending[i]), i + 1
            if kind in self.batch:
                while j < len(pending) and type(pending[j]) is kind:
                    j += 1
            if j - i > 1:
                if self.run_many(pending[i:j]):
                    done += pending[i:j]
            elif self.run(pending[i]):
                done.append(pending[i])
            i = j
        return done
