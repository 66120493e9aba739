"""The unit of work: one transaction, the events it produced, dispatch after commit.

    with UnitOfWork(db, dispatcher) as uow:
        ask = asks.service.post_ask(uow, actor=member, data=...)
        uow.commit()          # events dispatched here, after the commit succeeded

Services receive ``uow``, use ``uow.session``, call ``uow.emit(...)`` and ``flush`` but never
commit. Leaving the block without commit rolls back and drops the events.
"""

from __future__ import annotations

from exchange.db import Database
from exchange.dispatch import Dispatcher
from exchange.events import Event


class UnitOfWork:
    def __init__(self, db: Database, dispatcher: Dispatcher | None = None, settings=None):
        self.db = db
        self.dispatcher = dispatcher or Dispatcher()
        self.settings = settings
        self.session = None
        self.events: list[Event] = []

    def __enter__(self) -> UnitOfWork:
        self.session = self.db.session()
        self.events = []
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
            self.events = []

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.session.commit()
        batch, self.events = self.events, []
        self.dispatcher.dispatch(batch)

    def rollback(self) -> None:
        self.session.rollback()
        self.events = []
