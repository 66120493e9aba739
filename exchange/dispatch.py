"""After-commit dispatch: a literal map from event type to handlers.

The unit of work hands its events here only once the commit has succeeded. Handlers are
adapters (enqueue a job, publish a push). A failing handler is logged and never undoes the
commit; for a durable event the outbox row then stays pending and the reconciler retries it.
The map itself is built in ``exchange.handlers``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from exchange import events

log = logging.getLogger(__name__)

Handler = Callable[[events.Event], None]


class Dispatcher:
    def __init__(self, handlers: dict[type[events.Event], list[Handler]] | None = None):
        self.handlers: dict[type[events.Event], list[Handler]] = {
            events.NotificationStored: [],
            events.AskPosted: [],
            events.AskReopened: [],
            events.AskStateChanged: [],
            events.HelpConfirmed: [],
            events.WaveSent: [],
            events.TokenRevoked: [],
        }
        for kind, funcs in (handlers or {}).items():
            self.handlers.setdefault(kind, []).extend(funcs)

    def subscribe(self, kind: type[events.Event], handler: Handler) -> None:
        self.handlers.setdefault(kind, []).append(handler)

    def run(self, event: events.Event) -> bool:
        """Run every handler of one event; True when all of them succeeded."""
        ok = True
        for handler in self.handlers.get(type(event), []):
            try:
                handler(event)
            except Exception:  # noqa: BLE001 - a side effect must never undo a commit
                log.exception("handler %r failed for %r", handler, event)
                ok = False
        return ok

    def dispatch(self, batch: Iterable[events.Event]) -> list[events.Event]:
        """Dispatch a committed batch in order; returns the events that fully succeeded."""
        return [event for event in batch if self.run(event)]
