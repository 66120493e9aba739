"""Build a test world through the services in one transaction (not a test module).

The route-sweeping suites need the same few members and asks before every test; made over
HTTP that is a dozen commits a test, most of these suites' run time on PostgreSQL. The
services are the same ones the API calls, so the rows are the ones the API would write.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

from exchange.asks import service as asks
from exchange.members import service as members
from exchange.members.models import Member
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


@contextmanager
def seeding(db, settings):
    """``with seeding(db, settings) as seed: ...`` — committed when the block ends."""
    with UnitOfWork(db, None, replace(settings, rate_limits=False)) as uow:
        yield Seeder(uow)
        uow.commit()
