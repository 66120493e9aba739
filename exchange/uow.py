"""The unit of work: one transaction, the events it produced, dispatch after commit.

    with UnitOfWork(db, dispatcher) as uow:
        ask = asks.service.post_ask(uow, actor=member, data=...)
        uow.commit()          # events dispatched here, after the commit succeeded

Services receive ``uow``, use ``uow.session``, call ``uow.emit(...)`` and ``flush`` but never
commit. Leaving the block without commit rolls back and drops the events. Durable events are
also written to the outbox inside the same transaction — all of a transaction's in one
``INSERT``, just before its commit (a wave's notifications and its ``WaveSent`` share one
statement); once their handlers succeed after commit, their rows are marked dispatched
(otherwise the reconciler retries them). Work that must happen as late as possible — numbering
the transaction's notifications, which locks each member's counter until the commit — is
``stage``d and runs just before the outbox rows are written.
"""

from __future__ import annotations

from collections.abc import Callable

from exchange.db import UNAVAILABLE, Database
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
        self.staged: dict[str, tuple[Callable, list]] = {}

    def __enter__(self) -> UnitOfWork:
        self.session = self.db.session(write=self.write)
        self.events = []
        self.staged = {}
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.session.rollback()
        except UNAVAILABLE:
            pass  # the connection is gone and its transaction with it; the pool drops it
        finally:
            self.session.close()
            self.events = []
            self.staged = {}

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

    def stage(self, key: str, item, finish: Callable[[UnitOfWork, list], None]) -> None:
        """Keep ``item`` for ``finish(uow, items)``, which runs once per ``key`` just before the
        commit, with every item staged under it in this transaction, in order."""
        self.staged.setdefault(key, (finish, []))[1].append(item)

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        staged, self.staged = self.staged, {}
        for finish, items in staged.values():
            finish(self, items)
        rows = self._record_outbox()
        self.session.commit()
        batch = self.events
        self.events = []
        done = self.dispatcher.dispatch(batch)
        outbox.mark_dispatched(self.db, [rows[id(e)].id for e in done if id(e) in rows])

    def rollback(self) -> None:
        self.events = []
        self.staged = {}
        self.session.rollback()
