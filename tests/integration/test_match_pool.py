"""``match_pool`` is kept right by the database on every path that changes who could help.

A stale row is a wrong match: a helper offered an ask while suspended, at capacity or after
dropping the skill, or one never offered again. Each path is checked against the rows a full
``rebuild`` computes from the source tables, and against what the walk then finds.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from exchange.asks import service as asks
from exchange.clock import utcnow
from exchange.matching import candidates
from exchange.matching.pool import ANY_TAG, NEVER, PoolEntry, rebuild
from exchange.members import service as members
from exchange.members.models import Member
from exchange.moderation import sanctions
from exchange.offers.service import record_offer
from tests.integration.candidate_support import act, ask, eligible, member, pool


def _rows(session) -> set[tuple]:
    return {(r.member_id, r.tag, r.last_offered_at, r.area, r.timezone)
            for r in session.scalars(select(PoolEntry))}


def rows(make_uow) -> set[tuple]:
    """The maintained rows, after checking they equal a rebuild from the source tables."""
    with make_uow() as uow:
        kept = _rows(uow.session)
        rebuild(uow.session)
        assert _rows(uow.session) == kept, "match_pool differs from a rebuild"
        uow.session.rollback()
    return kept


def tags_of(make_uow, member_id: int) -> set[str]:
    return {tag for mid, tag, *_ in rows(make_uow) if mid == member_id}


def _with(make_uow, member_id: int, change) -> None:
    with make_uow() as uow:
        change(uow, uow.session.get(Member, member_id))
        uow.commit()


def test_a_new_helper_has_a_row_per_skill_and_one_for_untagged_asks(make_uow):
    helper = member(make_uow, "helper", skills=["python", "sql"])
    assert tags_of(make_uow, helper) == {"python", "sql", ANY_TAG}


def test_editing_skills_replaces_the_rows(make_uow):
    helper = member(make_uow, "helper", skills=["python", "sql"])
    act(make_uow, members.update_profile, helper, changes={"skills": ["sql", "excel"]})
    assert tags_of(make_uow, helper) == {"sql", "excel", ANY_TAG}
    author = member(make_uow, "asker")
    assert eligible(make_uow, ask(make_uow, author, tags=["python"])) == []


def test_stepping_back_from_helping_removes_the_rows_and_stepping_in_restores_them(make_uow):
    helper = member(make_uow, "helper", skills=["python"])
    act(make_uow, members.update_profile, helper, changes={"helping": False})
    assert tags_of(make_uow, helper) == set()
    act(make_uow, members.update_profile, helper, changes={"helping": True})
    assert tags_of(make_uow, helper) == {"python", ANY_TAG}


def test_a_suspension_removes_the_rows_and_reinstatement_restores_them(make_uow):
    helper = member(make_uow, "helper", skills=["python"])
    _with(make_uow, helper, lambda uow, m: sanctions.apply_suspension(uow, m, 3, "spam"))
    assert tags_of(make_uow, helper) == set()
    author = member(make_uow, "asker")
    assert eligible(make_uow, ask(make_uow, author, tags=["python"])) == []
    _with(make_uow, helper, lambda uow, m: sanctions.apply_reinstatement(uow, m))
    assert tags_of(make_uow, helper) == {"python", ANY_TAG}


def test_a_ban_removes_the_rows(make_uow):
    helper = member(make_uow, "helper", skills=["python"])
    _with(make_uow, helper, lambda uow, m: sanctions.apply_ban(uow, m))
    assert tags_of(make_uow, helper) == set()


def test_erasing_the_account_removes_the_rows(make_uow):
    helper = member(make_uow, "helper", skills=["python"])
    _with(make_uow, helper, lambda uow, m: members.erase(uow, actor=m))
    assert tags_of(make_uow, helper) == set()


def test_reaching_capacity_removes_the_rows_until_an_ask_is_finished(make_uow):
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper", skills=["python"], capacity=1)
    first = ask(make_uow, author, tags=["python"])
    act(make_uow, asks.accept_ask, helper, ask_id=first)
    assert tags_of(make_uow, helper) == set()
    act(make_uow, asks.deliver_ask, helper, ask_id=first)
    assert tags_of(make_uow, helper) == set()
    act(make_uow, asks.confirm_ask, author, ask_id=first)
    assert tags_of(make_uow, helper) == {"python", ANY_TAG}


def test_withdrawing_or_a_cancel_frees_the_helper_again(make_uow):
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper", capacity=1)
    first, second = ask(make_uow, author), ask(make_uow, author)
    act(make_uow, asks.accept_ask, helper, ask_id=first)
    act(make_uow, asks.withdraw_ask, helper, ask_id=first)
    assert tags_of(make_uow, helper) == {ANY_TAG}
    act(make_uow, asks.accept_ask, helper, ask_id=second)
    assert tags_of(make_uow, helper) == set()
    act(make_uow, asks.cancel_ask, author, ask_id=second)
    assert tags_of(make_uow, helper) == {ANY_TAG}


def test_raising_capacity_brings_a_busy_helper_back(make_uow):
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper", capacity=1)
    act(make_uow, asks.accept_ask, helper, ask_id=ask(make_uow, author))
    assert tags_of(make_uow, helper) == set()
    act(make_uow, members.update_profile, helper, changes={"capacity": 2})
    assert tags_of(make_uow, helper) == {ANY_TAG}
    assert eligible(make_uow, ask(make_uow, author)) == [helper]


def test_an_offer_moves_the_helper_behind_those_offered_less_recently(make_uow):
    author = member(make_uow, "asker")
    first, second = member(make_uow, "first"), member(make_uow, "second")
    assert {r[2] for r in rows(make_uow)} == {NEVER}
    earlier = ask(make_uow, author)
    with make_uow() as uow:
        record_offer(uow.session, ask=uow.session.get(asks.Ask, earlier),
                     member_id=first, wave=1, live=True, score=1.0, reasons=[])
        uow.commit()
    offered = {r[2] for r in rows(make_uow) if r[0] == first}
    assert len(offered) == 1 and offered.pop() > utcnow() - timedelta(minutes=1)
    assert [m for m, _ in pool(make_uow, ask(make_uow, author))] == [second, first]


def test_area_and_timezone_changes_reach_the_walk(make_uow):
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper", area="York")
    act(make_uow, members.update_profile, helper,
        changes={"area": " Leeds ", "timezone": "Asia/Tokyo"})
    assert {(r[3], r[4]) for r in rows(make_uow)
            if r[0] == helper} == {("leeds", "Asia/Tokyo")}
    assert eligible(make_uow, ask(make_uow, author, mode="in_person", area="Leeds")) == [helper]
    assert eligible(make_uow, ask(make_uow, author, mode="in_person", area="York")) == []


def test_the_walk_stops_at_the_pool_and_takes_the_least_recently_offered(make_uow):
    author = member(make_uow, "asker")
    ids = [member(make_uow, f"h{i}", skills=["python"]) for i in range(candidates.POOL + 3)]
    earlier = ask(make_uow, author)
    with make_uow() as uow:  # the first three were offered something already
        for helper in ids[:3]:
            record_offer(uow.session, ask=uow.session.get(asks.Ask, earlier),
                         member_id=helper, wave=1, live=True, score=1.0, reasons=[])
        uow.commit()
    walked = [m for m, _ in pool(make_uow, ask(make_uow, author, tags=["python"]))]
    assert walked == ids[3:]


def test_a_helper_with_more_of_the_tags_leads_among_those_walked(make_uow):
    author = member(make_uow, "asker")
    one = member(make_uow, "one", skills=["python"])
    other = member(make_uow, "other", skills=["sql"])
    both = member(make_uow, "both", skills=["python", "sql"])
    walked = [m for m, _ in pool(make_uow, ask(make_uow, author, tags=["python", "sql"]))]
    assert walked == [both, one, other]
