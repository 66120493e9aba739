"""Build a test world through the services, once, and put it back before each test
(not a test module).

The route-sweeping suites need the same few members and asks before every test. Built through
the services (the ones the API calls, so the rows are the ones the API would write) that is
most of these suites' run time; a ``Snapshot`` of the rows is re-inserted in milliseconds.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import select

from exchange.asks import service as asks
from exchange.ledger.models import Transfer
from exchange.members import service as members
from exchange.members.models import Member
from exchange.models import Base
from exchange.moderation import service as moderation
from exchange.uow import UnitOfWork
from tests.conftest import PASSWORD


class Seeder:
    def __init__(self, uow: UnitOfWork):
        self.uow = uow

    def _row(self, who: dict) -> Member:
        return self.uow.session.get(Member, who["id"])

    def member(self, handle: str) -> dict:
        row = members.register(self.uow, handle=handle, email=f"{handle}@example.org",
                               password=PASSWORD, display_name=handle.title())
        token = members.issue_token(self.uow, member=row)
        return {"handle": handle, "id": row.id,
                "headers": {"Authorization": f"Bearer {token}"}}

    def set(self, who: dict, **values) -> None:
        for name, value in values.items():
            setattr(self._row(who), name, value)

    def ask(self, author: dict, **fields) -> int:
        data = {"title": "Read one paragraph of my essay", "minutes": 15, **fields}
        return asks.post_ask(self.uow, actor=self._row(author), data=data).id

    def matched(self, author: dict, helper: dict) -> int:
        ask_id = self.ask(author)
        asks.accept_ask(self.uow, actor=self._row(helper), ask_id=ask_id)
        return ask_id

    def confirmed(self, author: dict, helper: dict) -> int:
        ask_id = self.matched(author, helper)
        asks.confirm_ask(self.uow, actor=self._row(author), ask_id=ask_id)
        return ask_id

    def transfer_of(self, ask_id: int) -> int:
        return self.uow.session.scalar(select(Transfer.id).where(Transfer.ask_id == ask_id))

    def block_between(self, blocker: dict, blocked: dict) -> None:
        members.block(self.uow, actor=self._row(blocker), handle=blocked["handle"])

    def flag(self, flagger: dict, target: dict) -> int:
        return moderation.flag(self.uow, actor=self._row(flagger), target_type="member",
                               target_id=target["id"], reason="spam").id


@contextmanager
def seeding(db, settings):
    """``with seeding(db, settings) as seed: ...`` — committed when the block ends."""
    with UnitOfWork(db, None, replace(settings, rate_limits=False)) as uow:
        yield Seeder(uow)
        uow.commit()


class Snapshot:
    """Every table's rows as they are now; ``restore()`` inserts them again after the suite's
    per-test cleanup has emptied the tables. The first ``restore()`` finds the rows still in
    place (the snapshot is taken during the first test's setup) and leaves them."""

    def __init__(self, db):
        self.db = db
        with db.engine.connect() as conn:
            # Tables the database derives by trigger (match_pool) refill as their sources do.
            self.rows = [(t, [dict(r._mapping) for r in conn.execute(select(t))])
                         for t in Base.metadata.sorted_tables if not t.info.get("derived")]
        self._in_place = True

    def restore(self) -> None:
        if self._in_place:
            self._in_place = False
            return
        with self.db.engine.begin() as conn:
            for table, rows in self.rows:
                if rows:
                    conn.execute(table.insert(), rows)
