"""Trust levels: earned from confirmed exchanges with *different* members, and account age.

Volume alone never raises trust: ten helps with one friend count as one partner. Levels:

- 0: everyone at first.
- 1: at least one confirmed exchange (given or received) with anyone.
- 2: at least 3 distinct partners and an account at least 7 days old.
- 3: at least 10 distinct partners and an account at least 30 days old.

A reversed transfer (a moderator's correction) does not count as an exchange.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from exchange.clock import utcnow
from exchange.ledger.models import Transfer

LEVELS = ((3, 10, timedelta(days=30)), (2, 3, timedelta(days=7)), (1, 1, timedelta(0)))


def level_for(partners: int, age: timedelta) -> int:
    """The highest level whose partner count and account age are both met."""
    for level, min_partners, min_age in LEVELS:
        if partners >= min_partners and age >= min_age:
            return level
    return 0


def distinct_partners(session, member_id: int) -> int:
    reversed_ids = select(Transfer.reverses_id).where(Transfer.reverses_id.is_not(None))
    partner = case((Transfer.from_member_id == member_id, Transfer.to_member_id),
                   else_=Transfer.from_member_id)
    query = (select(func.count(func.distinct(partner)))
             .where(Transfer.kind == "help", Transfer.id.not_in(reversed_ids),
                    (Transfer.from_member_id == member_id) | (Transfer.to_member_id == member_id)))
    return session.scalar(query) or 0


def trust_level(session, member, now: datetime | None = None) -> int:
    age = (now or utcnow()) - member.created_at
    return level_for(distinct_partners(session, member.id), age)
