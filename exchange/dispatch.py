"""After-commit dispatch: a literal map from event type to handlers.

The unit of work hands its events here only once the commit has succeeded. Handlers are
adapters (enqueue a job, publish a push); a failing handler is logged and never undoes the
commit — the database is the source of truth and later issues add an outbox that re-sends.
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
        }
        for kind, funcs in (handlers or {}).items():
            self.handlers.setdefault(kind, []).extend(funcs)

    def subscribe(self, kind: type[events.Event], handler: Handler) -> None:
        self.handlers.setdefault(kind, []).append(handler)

    def dispatch(self, batch: Iterable[events.Event]) -> None:
        for event in batch:
            for handler in self.handlers.get(type(event), []):
                try:
                    handler(event)
                except Exception:  # noqa: BLE001 - a push must never undo a commit
                    log.exception("handler %r failed for %r", handler, event)
