"""Trust levels come from distinct partners and account age, never volume alone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange.members.models import Member
from exchange.moderation.trust import distinct_partners, level_for, trust_level

DAY = timedelta(days=1)


@pytest.mark.parametrize(("partners", "age", "level"), [
    (0, 400 * DAY, 0),
    (1, timedelta(0), 1),
    (3, 6 * DAY, 1),
    (3, 7 * DAY, 2),
    (9, 400 * DAY, 2),
    (10, 29 * DAY, 2),
    (10, 30 * DAY, 3),
])
def test_a_level_needs_both_enough_partners_and_enough_age(partners, age, level):
    assert level_for(partners, age) == level


def test_many_exchanges_with_one_partner_count_as_one(api, db):
    asker, helper = api.member(), api.member()
    for _ in range(3):
        api.confirmed(asker, helper)
    with db.session() as s:
        assert distinct_partners(s, helper["id"]) == 1


def test_a_confirmed_exchange_gives_both_sides_level_one(api, db):
    asker, helper = api.member(), api.member()
    api.confirmed(asker, helper)
    with db.session() as s:
        assert [trust_level(s, s.get(Member, m["id"])) for m in (asker, helper)] == [1, 1]


def test_three_partners_on_a_new_account_stay_at_level_one(api, db):
    helper = api.member()
    for _ in range(3):
        api.confirmed(api.member(), helper)
    with db.session() as s:
        assert trust_level(s, s.get(Member, helper["id"])) == 1


def test_three_partners_on_a_week_old_account_reach_level_two(api, db):
    helper = api.member()
    for _ in range(3):
        api.confirmed(api.member(), helper)
    with db.session() as s:
        member = s.get(Member, helper["id"])
        assert trust_level(s, member, now=member.created_at + 8 * DAY) == 2
