"""The unit of work: one transaction, the events it produced, dispatch after commit.

    with UnitOfWork(db, dispatcher) as uow:
        ask = asks.service.post_ask(uow, actor=member, data=...)
        uow.commit()          # events dispatched here, after the commit succeeded

Services receive ``uow``, use ``uow.session``, call ``uow.emit(...)`` and ``flush`` but never
commit. Leaving the block without commit rolls back and drops the events. Durable events are
also written to the outbox inside the same transaction — all of a transaction's in one
``INSERT``, just before its commit (a wave's notifications and its ``WaveSent`` share one
statement); once their handlers succeed after commit, their rows are marked dispatched
(otherwise the reconciler retries them).
"""

from __future__ import annotations

from exchange.db import Database
from exchange.dispatch import Dispatcher
from exchange.events import Event
from exchange.outbox import service as outbox


class UnitOfWork:
    def __init__(self, db: Database, dispatcher: Dispatcher | None = None, settings=None, *,
                 write: bool = True):
        self.db = db
        self.write = write
        self.dispatcher = dispatcher or Dispatcher()
        self.settings = settings
        self.session = None
        self.events: list[Event] = []

    def __enter__(self) -> UnitOfWork:
        self.session = self.db.session(write=self.write)
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

    def emit_many(self, batch: list[Event]) -> None:
        """``emit`` each, in order."""
        self.events.extend(batch)

    def _record_outbox(self) -> dict[int, object]:
        """The durable events' outbox rows, in one statement, in this transaction."""
        durable = [e for e in self.events if e.durable]
        return {id(e): row for e, row in
                zip(durable, outbox.record_many(self.session, durable), strict=True)}

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        rows = self._record_outbox()
        self.session.commit()
        batch = self.events
        self.events = []
        done = self.dispatcher.dispatch(batch)
        outbox.mark_dispatched(self.db, [rows[id(e)].id for e in done if id(e) in rows])

    def rollback(self) -> None:
        self.session.rollback()
        self.events = []
