"""The candidate query (exchange.matching.candidates): who may be offered an ask, in SQL.

Each eligibility rule is checked both ways — the member it shuts out, and the member next to
them it lets through. Window and availability cases are in test_candidate_windows.py.
"""

from __future__ import annotations

from datetime import timedelta

from exchange.asks import service as asks
from exchange.asks.models import AskSkip
from exchange.clock import utcnow
from exchange.matching import candidates
from exchange.members import service as members
from exchange.members.models import Member
from exchange.offers.service import record_offer
from tests.integration.candidate_support import (
    act,
    ask,
    eligible,
    last_offered,
    member,
    pool,
)
from tests.integration.support import add_members


def test_an_active_helping_member_is_a_candidate(make_uow):
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper")
    assert eligible(make_uow, ask(make_uow, author)) == [helper]


def test_a_suspended_member_is_not_a_candidate(make_uow):
    author = member(make_uow, "asker")
    member(make_uow, "resting", status="suspended")
    helper = member(make_uow, "helper")
    assert eligible(make_uow, ask(make_uow, author)) == [helper]


def test_a_member_who_is_not_helping_right_now_is_not_a_candidate(make_uow):
    author = member(make_uow, "asker")
    member(make_uow, "away", helping=False)
    helper = member(make_uow, "helper", helping=True)
    assert eligible(make_uow, ask(make_uow, author)) == [helper]


def test_the_author_is_never_a_candidate_for_their_own_ask(make_uow):
    author = member(make_uow, "asker")
    assert eligible(make_uow, ask(make_uow, author)) == []


def test_a_helper_who_blocked_the_author_is_not_a_candidate(make_uow):
    author = member(make_uow, "asker")
    blocker = member(make_uow, "blocker")
    helper = member(make_uow, "helper")
    with make_uow() as uow:
        members.block(uow, actor=uow.session.get(Member, blocker), handle="asker")
        uow.commit()
    assert eligible(make_uow, ask(make_uow, author)) == [helper]


def test_a_helper_the_author_blocked_is_not_a_candidate(make_uow):
    author = member(make_uow, "asker")
    member(make_uow, "blocked")
    helper = member(make_uow, "helper")
    with make_uow() as uow:
        members.block(uow, actor=uow.session.get(Member, author), handle="blocked")
        uow.commit()
    assert eligible(make_uow, ask(make_uow, author)) == [helper]


def test_a_block_between_two_other_members_does_not_matter(make_uow):
    author = member(make_uow, "asker")
    one, two = member(make_uow, "one"), member(make_uow, "two")
    with make_uow() as uow:
        members.block(uow, actor=uow.session.get(Member, one), handle="two")
        uow.commit()
    assert eligible(make_uow, ask(make_uow, author)) == [one, two]


def _offer(make_uow, ask_id: int, member_id: int) -> None:
    with make_uow() as uow:
        row = uow.session.get(asks.Ask, ask_id)
        record_offer(uow.session, ask=row, member_id=member_id, wave=1, live=True, score=1.0,
                     reasons=[])
        uow.commit()


def test_a_helper_already_offered_the_ask_is_not_offered_it_again(make_uow):
    author = member(make_uow, "asker")
    offered, fresh = member(make_uow, "offered"), member(make_uow, "fresh")
    ask_id = ask(make_uow, author)
    _offer(make_uow, ask_id, offered)
    assert eligible(make_uow, ask_id) == [fresh]


def test_an_offer_of_another_ask_does_not_rule_a_helper_out(make_uow):
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper")
    _offer(make_uow, ask(make_uow, author), helper)
    assert eligible(make_uow, ask(make_uow, author)) == [helper]


def test_a_helper_who_stepped_back_from_the_ask_is_not_offered_it_again(make_uow):
    author = member(make_uow, "asker")
    quitter, other = member(make_uow, "quitter"), member(make_uow, "other")
    ask_id = ask(make_uow, author)
    act(make_uow, asks.accept_ask, quitter, ask_id=ask_id)
    act(make_uow, asks.withdraw_ask, quitter, ask_id=ask_id)
    with make_uow() as uow:
        assert uow.session.get(AskSkip, (ask_id, quitter)) is not None
    assert eligible(make_uow, ask_id) == [other]


def test_stepping_back_from_one_ask_leaves_a_helper_a_candidate_for_others(make_uow):
    author = member(make_uow, "asker")
    quitter = member(make_uow, "quitter")
    first = ask(make_uow, author)
    act(make_uow, asks.accept_ask, quitter, ask_id=first)
    act(make_uow, asks.withdraw_ask, quitter, ask_id=first)
    assert eligible(make_uow, ask(make_uow, author)) == [quitter]


def test_a_helper_at_capacity_is_not_a_candidate(make_uow):
    author = member(make_uow, "asker")
    busy = member(make_uow, "busy", capacity=1)
    act(make_uow, asks.accept_ask, busy, ask_id=ask(make_uow, author))
    other = member(make_uow, "other")
    assert eligible(make_uow, ask(make_uow, author)) == [other]


def test_a_helper_below_capacity_is_still_a_candidate(make_uow):
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper", capacity=2)
    act(make_uow, asks.accept_ask, helper, ask_id=ask(make_uow, author))
    assert eligible(make_uow, ask(make_uow, author)) == [helper]


def test_a_delivered_ask_still_counts_toward_capacity(make_uow):
    author = member(make_uow, "asker")
    busy = member(make_uow, "busy", capacity=1)
    first = ask(make_uow, author)
    act(make_uow, asks.accept_ask, busy, ask_id=first)
    act(make_uow, asks.deliver_ask, busy, ask_id=first)
    assert eligible(make_uow, ask(make_uow, author)) == []


def test_a_confirmed_ask_frees_the_helper_again(make_uow):
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper", capacity=1)
    first = ask(make_uow, author)
    act(make_uow, asks.accept_ask, helper, ask_id=first)
    act(make_uow, asks.confirm_ask, author, ask_id=first)
    assert eligible(make_uow, ask(make_uow, author)) == [helper]


def test_a_helper_with_one_of_the_asks_tags_is_a_candidate(make_uow):
    author = member(make_uow, "asker")
    py = member(make_uow, "py", skills=["python", "sql"])
    member(make_uow, "cook", skills=["cooking"])
    member(make_uow, "blank")
    assert eligible(make_uow, ask(make_uow, author, tags=["python", "pandas"])) == [py]


def test_an_untagged_ask_is_open_to_helpers_with_any_skills_or_none(make_uow):
    author = member(make_uow, "asker")
    py = member(make_uow, "py", skills=["python"])
    blank = member(make_uow, "blank")
    assert eligible(make_uow, ask(make_uow, author)) == [py, blank]


def test_an_in_person_ask_goes_to_helpers_in_the_same_area_whatever_the_case(make_uow):
    author = member(make_uow, "asker")
    near = member(make_uow, "near", area="LEEDS")
    member(make_uow, "far", area="York")
    member(make_uow, "nowhere")
    assert eligible(make_uow, ask(make_uow, author, mode="in_person", area=" leeds ")) == [near]


def test_an_online_ask_ignores_the_helpers_area(make_uow):
    author = member(make_uow, "asker")
    near = member(make_uow, "near", area="Leeds")
    nowhere = member(make_uow, "nowhere")
    assert eligible(make_uow, ask(make_uow, author, area="York")) == [near, nowhere]


def test_the_pool_puts_more_shared_tags_first(make_uow):
    author = member(make_uow, "asker")
    one = member(make_uow, "one", skills=["python"])
    both = member(make_uow, "both", skills=["python", "pandas"])
    ask_id = ask(make_uow, author, tags=["python", "pandas"])
    assert [m for m, _ in pool(make_uow, ask_id)] == [both, one]


def test_among_equal_overlap_the_least_recently_offered_come_first(make_uow):
    author = member(make_uow, "asker")
    recent, never, old = (member(make_uow, h, skills=["python"])
                          for h in ("recent", "never", "old"))
    now = utcnow()
    last_offered(make_uow, recent, now - timedelta(hours=1))
    last_offered(make_uow, old, now - timedelta(days=20))
    ask_id = ask(make_uow, author, tags=["python"])
    assert [m for m, _ in pool(make_uow, ask_id)] == [never, old, recent]


def test_tag_overlap_outranks_having_been_offered_less_recently(make_uow):
    author = member(make_uow, "asker")
    both = member(make_uow, "both", skills=["python", "pandas"])
    one = member(make_uow, "one", skills=["python"])
    last_offered(make_uow, both, utcnow())
    ask_id = ask(make_uow, author, tags=["python", "pandas"])
    assert [m for m, _ in pool(make_uow, ask_id)] == [both, one]


def test_the_pool_is_bounded_while_every_fitting_helper_stays_eligible(make_uow):
    author = member(make_uow, "asker")
    ids = add_members(make_uow, candidates.POOL + 5, prefix="h")
    ask_id = ask(make_uow, author)
    assert [m for m, _ in pool(make_uow, ask_id)] == ids[: candidates.POOL]
    assert eligible(make_uow, ask_id) == ids


def test_the_pool_carries_each_helpers_offer_counts(make_uow):
    author = member(make_uow, "asker")
    helper = member(make_uow, "helper")
    _offer(make_uow, ask(make_uow, author), helper)
    (member_id, candidate), = pool(make_uow, ask(make_uow, author))
    assert (member_id, candidate.offers_recent, candidate.offers_total) == (helper, 1, 1)


def test_an_area_saved_with_stray_spaces_still_matches(make_uow):
    author = member(make_uow, "asker")
    near = member(make_uow, "near", area=" Leeds ")
    assert eligible(make_uow, ask(make_uow, author, mode="in_person", area="Leeds")) == [near]
