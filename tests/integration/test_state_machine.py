"""The ask state machine table against the diagram in CONTRACT §4 (pure, no database)."""

from __future__ import annotations

import pytest

from exchange.asks.models import STATUSES
from exchange.asks.states import ACTIVE, FINAL, IN_PROGRESS, TRANSITIONS

# CONTRACT §4, edge by edge: name → (from, to, who takes it).
CONTRACT_EDGES = {
    "accept": ({"open"}, "matched", "helper"),
    "withdraw": ({"matched"}, "open", "helper"),
    "deliver": ({"matched"}, "delivered", "helper"),
    "confirm": ({"matched", "delivered"}, "confirmed", "author"),
    "auto_confirm": ({"delivered"}, "confirmed", "system"),
    "cancel": ({"open", "matched"}, "cancelled", "author"),
    "expire": ({"open"}, "expired", "system"),
}


def test_the_table_has_exactly_the_transitions_of_the_contract():
    assert set(TRANSITIONS) == set(CONTRACT_EDGES)


@pytest.mark.parametrize("name", sorted(CONTRACT_EDGES))
def test_each_transition_leaves_from_and_lands_where_the_contract_says(name):
    step = TRANSITIONS[name]
    assert (set(step.sources), step.target, step.by) == CONTRACT_EDGES[name]


def test_each_transition_is_filed_under_its_own_name():
    assert all(step.name == name for name, step in TRANSITIONS.items())


def test_no_transition_leaves_a_final_state():
    assert all(not (step.sources & FINAL) for step in TRANSITIONS.values())


def test_every_final_state_is_reachable():
    assert FINAL <= {step.target for step in TRANSITIONS.values()}


def test_every_state_named_in_the_table_is_a_status_the_database_accepts():
    named = set().union(*(step.sources | {step.target} for step in TRANSITIONS.values()))
    assert named == set(STATUSES)


def test_active_and_final_states_split_the_statuses_between_them():
    assert ACTIVE | FINAL == set(STATUSES)
    assert not ACTIVE & FINAL


def test_in_progress_means_someone_is_helping():
    assert IN_PROGRESS == {TRANSITIONS["accept"].target, TRANSITIONS["deliver"].target}


def test_every_active_state_has_a_way_forward():
    leaving = set().union(*(step.sources for step in TRANSITIONS.values()))
    assert leaving == set(ACTIVE)
