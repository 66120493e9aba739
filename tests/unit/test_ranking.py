"""Unit tests for the documented ranking of eligible helpers and the reasons they are shown."""

import itertools
import re
from collections import Counter
from dataclasses import replace

import pytest

from exchange.matching.ranking import (
    FALLBACK_REASON,
    WEIGHTS,
    AskFacts,
    Candidate,
    rank,
    score,
    waves,
)

ASK = AskFacts(ask_id=7, tags=frozenset({"python", "pandas"}), mode="online", area=None)
UNTAGGED = replace(ASK, tags=frozenset())
SHAMING = re.compile(r"rarely|never|declin|ignor|slow|poor|lazy|unreliable|fail|only|should")


def helper(member_id, **overrides):
    """An average, offline helper who knows every tag of ASK; tests change one thing."""
    fields = {
        "member_id": member_id,
        "handle": f"h{member_id}",
        "skills": frozenset({"python", "pandas"}),
        "online": False,
        "offers_recent": 0,
        "offers_total": 4,
        "accepts_total": 2,
        "received_recently": False,
    }
    fields.update(overrides)
    return Candidate(**fields)


def order(candidates, ask=ASK, seed=1):
    return [r.candidate.member_id for r in rank(ask, candidates, seed=seed)]


# --- the score -----------------------------------------------------------------------------------


def test_the_parts_sum_to_the_score_and_follow_the_documented_weights():
    ranked = score(ASK, helper(1, online=True, received_recently=True, offers_recent=1))
    assert ranked.parts == {
        "tag_overlap": 3.0,
        "online": 1.0,
        "fairness": 0.75,
        "responsiveness": 0.5,
        "pay_it_forward": 0.5,
    }
    assert ranked.score == pytest.approx(sum(ranked.parts.values()))
    assert set(ranked.parts) == set(WEIGHTS)


def test_tag_overlap_is_the_fraction_of_the_asks_tags_the_helper_knows():
    assert score(ASK, helper(1, skills=frozenset({"python", "sql"}))).parts["tag_overlap"] == 1.5


def test_an_untagged_ask_gives_every_helper_the_same_neutral_overlap():
    knows_all = score(UNTAGGED, helper(1)).parts["tag_overlap"]
    knows_none = score(UNTAGGED, helper(2, skills=frozenset())).parts["tag_overlap"]
    assert knows_all == knows_none == WEIGHTS["tag_overlap"] * 0.5


def test_a_newcomer_gets_the_neutral_prior_for_responsiveness():
    newcomer = helper(1, offers_total=0, accepts_total=0)
    assert score(ASK, newcomer).parts["responsiveness"] == pytest.approx(0.5)


def test_inconsistent_counts_never_push_responsiveness_above_one():
    assert score(ASK, helper(1, offers_total=0, accepts_total=9)).parts["responsiveness"] <= 1


# --- the documented order ----------------------------------------------------------------------


def test_more_tag_overlap_beats_less():
    partial = helper(1, skills=frozenset({"python"}))
    assert order([partial, helper(2)]) == [2, 1]


def test_online_beats_offline_when_otherwise_equal():
    assert order([helper(1), helper(2, online=True)]) == [2, 1]


def test_among_equally_good_helpers_fewer_recent_offers_comes_first():
    assert order([helper(1, offers_recent=3), helper(2, offers_recent=1)]) == [2, 1]


def test_fairness_spreads_offers_evenly_over_repeated_rounds_with_one_seed():
    pool = {i: helper(i) for i in range(1, 6)}
    offered = []
    for _ in range(20):
        first = rank(ASK, pool.values(), seed=1)[0].candidate
        offered.append(first.member_id)
        pool[first.member_id] = replace(first, offers_recent=first.offers_recent + 1)
    assert sorted(offered[:5]) == [1, 2, 3, 4, 5]
    assert Counter(offered) == {i: 4 for i in pool}


def test_a_newcomer_ranks_above_a_helper_who_accepted_one_of_ten():
    newcomer = helper(1, offers_total=0, accepts_total=0)
    poor_record = helper(2, offers_total=10, accepts_total=1)
    assert order([poor_record, newcomer]) == [1, 2]


def test_pay_it_forward_lifts_an_otherwise_equal_helper():
    assert order([helper(1), helper(2, received_recently=True)]) == [2, 1]


def test_window_availability_and_day_do_not_change_the_score():
    assert score(ASK, helper(1, window_day="Thursday")).score == score(ASK, helper(1)).score


# --- ties --------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_order_for_exact_ties_whatever_the_input_order():
    tied = [helper(i) for i in range(1, 9)]
    assert order(tied, seed=42) == order(list(reversed(tied)), seed=42)


def test_a_different_seed_can_reorder_exact_ties():
    tied = [helper(i) for i in range(1, 9)]
    assert len({tuple(order(tied, seed=s)) for s in range(10)}) > 1


def test_no_seed_reorders_candidates_whose_scores_differ():
    candidates = [helper(1), helper(2, online=True), helper(3, offers_recent=2), helper(4)]
    for seed in range(20):
        ids = order(candidates, seed=seed)
        assert ids[0] == 2 and ids[-1] == 3 and set(ids[1:3]) == {1, 4}


def test_the_ask_id_is_part_of_the_tie_break_draw():
    tied = [helper(i) for i in range(1, 9)]
    orders = {tuple(order(tied, ask=replace(ASK, ask_id=a))) for a in range(10)}
    assert len(orders) > 1


# --- waves -------------------------------------------------------------------------------------


def test_waves_are_consecutive_chunks_with_a_smaller_last_wave():
    ranked = rank(ASK, [helper(i) for i in range(1, 8)], seed=3)
    chunks = waves(ranked, 3)
    assert [len(w) for w in chunks] == [3, 3, 1]
    assert list(itertools.chain.from_iterable(chunks)) == ranked


def test_no_candidates_means_no_waves():
    assert waves([], 3) == []


def test_a_wave_size_below_one_is_refused():
    with pytest.raises(ValueError):
        waves([], 0)


# --- reasons -----------------------------------------------------------------------------------


def reasons(candidate, ask=ASK):
    return score(ask, candidate).reasons


def test_one_shared_tag_is_named():
    assert reasons(helper(1, skills=frozenset({"python", "sql"}))) == ("you know `python`",)


def test_two_shared_tags_are_joined_with_and():
    assert reasons(helper(1)) == ("you know `pandas` and `python`",)


def test_three_shared_tags_are_listed_with_commas_and_a_final_and():
    ask = replace(ASK, tags=frozenset({"sql", "python", "pandas"}))
    skills = frozenset({"sql", "python", "pandas", "go"})
    assert reasons(helper(1, skills=skills), ask) == ("you know `pandas`, `python` and `sql`",)


def test_a_matching_slot_says_which_day_the_helper_is_free():
    assert "you're free Thursday" in reasons(helper(1, window_day="Thursday"))


def test_an_online_helper_is_told_they_are_online_now():
    assert "you're online now" in reasons(helper(1, online=True))


def test_a_recently_helped_member_is_invited_to_pay_it_forward():
    text = "you recently got help — a chance to pay it forward"
    assert text in reasons(helper(1, received_recently=True))


def test_an_in_person_ask_mentions_the_shared_area():
    ask = replace(ASK, mode="in_person", area="Leeds")
    assert "you're nearby in Leeds" in reasons(helper(1), ask)


def test_reasons_come_in_the_documented_order():
    candidate = helper(1, window_day="Friday", online=True, received_recently=True)
    assert reasons(candidate, replace(ASK, mode="in_person", area="Leeds")) == (
        "you know `pandas` and `python`",
        "you're free Friday",
        "you're nearby in Leeds",
        "you're online now",
        "you recently got help — a chance to pay it forward",
    )


def test_a_helper_with_nothing_specific_still_gets_a_kind_reason():
    assert reasons(helper(1, skills=frozenset()), UNTAGGED) == (FALLBACK_REASON,)


def test_no_reason_ever_shames_a_helper():
    records = [(0, 0, 0), (10, 1, 9), (30, 0, 30), (5, 5, 5)]
    for (total, accepts, recent), online, helped in itertools.product(
        records, (False, True), (False, True)
    ):
        candidate = helper(
            1,
            offers_total=total,
            accepts_total=accepts,
            offers_recent=recent,
            online=online,
            received_recently=helped,
        )
        for ask in (ASK, UNTAGGED):
            assert not [r for r in reasons(candidate, ask) if SHAMING.search(r)]
