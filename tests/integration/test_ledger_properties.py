"""Ledger invariants (zero-sum, totals equal entries) over random sequences of ask transitions.

Five members post, accept, withdraw, cancel, deliver and confirm in any order; many steps are
refused with a DomainError and rolled back, as the API would. Whatever happened, the entries
sum to zero, each member's cached totals equal the sums of their entries, and exactly the
confirmed asks carry one help transfer each. Rate limits are off so the daily ask limit does
not cut every sequence short.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st
from sqlalchemy import func, select

from exchange.asks import service as asks
from exchange.asks.models import Ask
from exchange.dispatch import Dispatcher
from exchange.errors import DomainError
from exchange.ledger import service as ledger
from exchange.ledger.models import Transfer
from exchange.members.models import Member
from exchange.uow import UnitOfWork
from tests.integration.support import add_members, empty_tables

MEMBERS = 5
# Weighted by repetition so that most sequences get as far as the ledger.
VERBS = ("post", "post", "accept", "accept", "accept", "withdraw", "cancel", "deliver", "deliver",
         "confirm", "confirm", "confirm")
SERVICES = {"accept": asks.accept_ask, "withdraw": asks.withdraw_ask, "cancel": asks.cancel_ask,
            "deliver": asks.deliver_ask, "confirm": asks.confirm_ask}
BY_HELPER = ("withdraw", "deliver")
BY_AUTHOR = ("cancel", "confirm")

steps = st.lists(st.tuples(
    st.sampled_from(VERBS),
    st.integers(0, 2),                          # which ask: 0 = the one acted on last
    st.integers(0, MEMBERS - 1),                # who acts (see _actor_id)
    st.one_of(st.none(), st.integers(1, 240)),  # confirm minutes; None = the estimate
), min_size=6, max_size=24)

examples = settings(max_examples=50, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

pytestmark = pytest.mark.slow


@pytest.fixture
def make_free_uow(db, no_rate_limits):
    return lambda: UnitOfWork(db, Dispatcher(), no_rate_limits)


def _actor_id(ask: Ask, verb: str, members: list[int], who: int) -> int:
    """Mostly someone the step suits; ``who == 0`` is the first member, often refused."""
    if who == 0:
        return members[0]
    if verb in BY_HELPER and ask.helper_id is not None:
        return ask.helper_id
    if verb in BY_AUTHOR:
        return ask.author_id
    others = [m for m in members if m != ask.author_id]
    return others[who % len(others)]


def _step(make_uow, members: list[int], ask_ids: list[int], step) -> None:
    verb, pick, who, minutes = step
    if verb != "post" and not ask_ids:
        return
    with make_uow() as uow:
        s = uow.session
        try:
            if verb == "post":
                ask = asks.post_ask(uow, actor=s.get(Member, members[who]),
                                    data={"title": "Check my budget sheet", "minutes": 30})
            else:
                ask = s.get(Ask, ask_ids[-1 - pick % len(ask_ids)])
                actor = s.get(Member, _actor_id(ask, verb, members, who))
                extra = {"minutes": minutes} if verb == "confirm" else {}
                SERVICES[verb](uow, actor=actor, ask_id=ask.id, **extra)
        except DomainError as err:
            if getattr(err, "persist", False):
                uow.commit()  # as the API does: a lost race keeps its ask.taken note
            return
        uow.commit()
    if ask.id in ask_ids:
        ask_ids.remove(ask.id)
    ask_ids.append(ask.id)  # most recently acted on last, so the next step likely follows it


def _play(db, make_uow, sequence) -> list[int]:
    empty_tables(db)
    members = add_members(make_uow, MEMBERS, prefix="p")
    ask_ids: list[int] = []
    for step in [("post", 0, 1, None), ("post", 0, 2, None), *sequence]:
        _step(make_uow, members, ask_ids, step)
    with make_uow() as uow:
        confirmed = uow.session.scalar(select(func.count()).select_from(Ask).where(
            Ask.status == "confirmed"))
    # Steer generation towards sequences that reach the ledger; random ones mostly don't.
    target(float(confirmed), label="confirmed asks")
    return members


@given(sequence=steps)
@examples
def test_the_ledger_invariants_hold_after_any_sequence_of_transitions(
        db, make_free_uow, sequence):
    members = _play(db, make_free_uow, sequence)
    with make_free_uow() as uow:
        _assert_entries_sum_to_zero(uow.session)
        _assert_cached_minutes_match_entries(uow.session, members)
        _assert_one_help_transfer_per_confirmed_ask(uow.session)
        _assert_cached_counts_match_transfers(uow.session, members)


def _assert_entries_sum_to_zero(s) -> None:
    assert ledger.entries_total(s) == 0


def _assert_cached_minutes_match_entries(s, members: list[int]) -> None:
    sums = ledger.sums_by_member(s)
    for member_id in members:
        cached = ledger.totals(s, member_id)
        given_, received = sums.get(member_id, (0, 0))
        assert (cached["given_minutes"], cached["received_minutes"]) == (given_, received)
        assert cached["balance"] == given_ - received


def _assert_one_help_transfer_per_confirmed_ask(s) -> None:
    confirmed = {a.id: a for a in s.scalars(select(Ask).where(Ask.status == "confirmed"))}
    transfers = list(s.scalars(select(Transfer).where(Transfer.kind == "help")))
    assert sorted(t.ask_id for t in transfers) == sorted(confirmed)
    for t in transfers:
        ask = confirmed[t.ask_id]
        assert (t.from_member_id, t.to_member_id, t.minutes) == (
            ask.author_id, ask.helper_id, ask.actual_minutes)
        assert sorted(e.amount for e in t.entries) == [-t.minutes, t.minutes]


def _assert_cached_counts_match_transfers(s, members: list[int]) -> None:
    transfers = list(s.scalars(select(Transfer).where(Transfer.kind == "help")))
    helps = Counter(t.to_member_id for t in transfers)
    received = Counter(t.from_member_id for t in transfers)
    for member_id in members:
        cached = ledger.totals(s, member_id)
        assert (cached["helps_given"], cached["asks_received"]) == (
            helps[member_id], received[member_id])
