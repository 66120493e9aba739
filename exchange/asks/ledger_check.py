"""The ledger checked against the asks it pays for (``exchange ledger verify``).

``ledger.verify`` checks the ledger on its own (sums, legs, cached totals); the rule that ties
it to asks — one help transfer per confirmed ask, none for any other — needs asks, which stand
above the ledger, so it lives here.
"""

from __future__ import annotations

from sqlalchemy import func, select

from exchange.asks.models import Ask
from exchange.ledger import verify as ledger_verify
from exchange.ledger.models import Transfer
from exchange.ledger.verify import name_ids


def verify(session) -> ledger_verify.Report:
    return ledger_verify.verify(session, more=[one_transfer_per_confirmed_ask])


def one_transfer_per_confirmed_ask(session) -> list[str]:
    helps = (select(Transfer.ask_id, func.count().label("n")).where(Transfer.kind == "help")
             .group_by(Transfer.ask_id).subquery())
    missing = session.scalars(select(Ask.id).outerjoin(helps, helps.c.ask_id == Ask.id)
                              .where(Ask.status == "confirmed", helps.c.ask_id.is_(None))
                              .order_by(Ask.id)).all()
    doubled = session.scalars(select(helps.c.ask_id).where(helps.c.n > 1,
                                                        helps.c.ask_id.is_not(None))
                              .order_by(helps.c.ask_id)).all()
    stray = session.scalars(select(Transfer.id).join(Ask, Ask.id == Transfer.ask_id)
                            .where(Transfer.kind == "help", Ask.status != "confirmed")
                            .order_by(Transfer.id)).all()
    orphan = session.scalars(select(Transfer.id).where(Transfer.kind == "help",
                                                       Transfer.ask_id.is_(None))
                             .order_by(Transfer.id)).all()
    found = [("confirmed asks with no transfer", missing),
             ("asks with more than one transfer", doubled),
             ("transfers for asks that are not confirmed", stray),
             ("help transfers that name no ask", orphan)]
    return [f"{what}: {name_ids(ids)}" for what, ids in found if ids]
