"""The ask state machine, by its behaviour: from each state, each transition is
taken through the API (or, for the system's own, through the service its job calls) by the one
who would take it. Every allowed transition lands where the contract says; every other one
leaves the ask as it was — refused with 409, or answered as the no-op retry it is.

The edges below are the contract's diagram written out, not a copy of ``asks.states``.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
import time_machine

from exchange.asks import service as asks
from exchange.asks.models import OPEN_FOR, Ask
from exchange.clock import utcnow
from exchange.errors import DomainError
from tests.web.api_routes import module_app, module_settings

# The diagram in exchange/asks/states.py, edge by edge:
# name → (states it leaves from, state it lands in).
EDGES = {
    "accept": ({"open"}, "matched"),
    "withdraw": ({"matched"}, "open"),
    "deliver": ({"matched"}, "delivered"),
    "confirm": ({"matched", "delivered"}, "confirmed"),
    "auto_confirm": ({"delivered"}, "confirmed"),
    "cancel": ({"open", "matched"}, "cancelled"),
    "expire": ({"open"}, "expired"),
}
STATES = ("open", "matched", "delivered", "confirmed", "cancelled", "expired")
SYSTEM = ("auto_confirm", "expire")  # taken by jobs, not over the API
ROLES = {"accept": "helper", "withdraw": "helper", "deliver": "helper", "confirm": "author",
         "cancel": "author"}

# "Every transition … is idempotent for retries": asking again for what already happened (or,
# for deliver, what the author's confirm has since gone past) answers as if it worked.
RETRIES = {("delivered", "deliver"), ("confirmed", "deliver"), ("confirmed", "confirm"),
           ("confirmed", "auto_confirm"), ("cancelled", "cancel"), ("expired", "expire")}
# The expire job's service leaves an ask that is no longer open as it is, without an error:
# a job that finds its work gone returns (it has no one to answer).
EXPIRE_SKIPS = {(state, "expire") for state in ("matched", "delivered", "confirmed",
                                                "cancelled")}
# Only the helper holding an ask may withdraw from or deliver it; an open or expired ask has
# no helper, so for anyone it is the role that refuses (403), before the state is looked at.
NO_HELPER = {(state, name) for state in ("open", "expired") for name in ("withdraw", "deliver")}

ALLOWED = [(state, name) for name, (sources, _) in EDGES.items() for state in sorted(sources)]
REFUSED = [(state, name) for state, name in product(STATES, EDGES)
           if (state, name) not in {*ALLOWED, *RETRIES, *EXPIRE_SKIPS, *NO_HELPER}]


def _ids(cases):
    return [f"{state}-{name}" for state, name in cases]


@pytest.fixture(scope="module")
def app(db, database_url, tmp_path_factory):
    """One app for the module (building one per case cost more than the case)."""
    return module_app(db, module_settings(database_url, tmp_path_factory))


@pytest.fixture
def ask_in(api, make_uow):
    """``ask_in(state)``: a fresh ask brought to ``state`` by the API (cancelled from matched,
    so it keeps its helper); returns (ask id, {role: member})."""
    def make(state: str):
        people = {"author": api.member(), "helper": api.member(), "other": api.member()}
        ask_id = api.ask(people["author"])["id"]
        steps = {"matched": ["accept"], "delivered": ["accept", "deliver"],
                 "confirmed": ["accept", "confirm"], "cancelled": ["accept", "cancel"],
                 "expired": ["expire"]}.get(state, [])
        for name in steps:
            status, reason = take(api, make_uow, people, ask_id, name)
            assert status == 200, (name, reason)
        assert status_of(make_uow, ask_id) == state
        return ask_id, people
    return make


def take(api, make_uow, people, ask_id: int, name: str) -> tuple[int, str | None]:
    """Take transition ``name`` as the one who would: (HTTP status, reason). ``helper`` takes
    an ask nobody holds; once someone does, another member's accept is the one that loses."""
    if name in SYSTEM:
        return _as_the_system(make_uow, ask_id, name)
    role = "other" if name == "accept" and _held(make_uow, ask_id) else ROLES[name]
    r = api.call(people[role], "POST", f"/asks/{ask_id}/{name}")
    return r.status_code, (r.get_json() or {}).get("reason")


def _held(make_uow, ask_id: int) -> bool:
    with make_uow() as uow:
        return uow.session.get(Ask, ask_id).helper_id is not None


def _as_the_system(make_uow, ask_id: int, name: str) -> tuple[int, str | None]:
    try:
        with make_uow() as uow:
            if name == "expire":  # the job's guard wants the ask's time to have passed
                with time_machine.travel(utcnow() + OPEN_FOR + timedelta(minutes=1), tick=False):
                    asks.expire_ask(uow, ask_id=ask_id)
            else:
                asks.confirm_ask(uow, actor=None, ask_id=ask_id, auto=True)
            uow.commit()
    except DomainError as error:
        return error.status, error.code
    return 200, None


def status_of(make_uow, ask_id: int) -> str:
    with make_uow() as uow:
        return uow.session.get(Ask, ask_id).status


def test_the_cases_below_cover_every_transition_from_every_state_once():
    cases = [*ALLOWED, *REFUSED, *RETRIES, *EXPIRE_SKIPS, *NO_HELPER]
    assert sorted(cases) == sorted(product(STATES, EDGES))


@pytest.mark.parametrize(("state", "name"), ALLOWED, ids=_ids(ALLOWED))
def test_an_allowed_transition_lands_where_the_contract_says(ask_in, api, make_uow, state,
                                                             name):
    ask_id, people = ask_in(state)
    assert take(api, make_uow, people, ask_id, name) == (200, None)
    assert status_of(make_uow, ask_id) == EDGES[name][1]


@pytest.mark.parametrize(("state", "name"), REFUSED, ids=_ids(REFUSED))
def test_any_other_transition_is_refused_with_409_and_changes_nothing(ask_in, api, make_uow,
                                                                      state, name):
    ask_id, people = ask_in(state)
    status, reason = take(api, make_uow, people, ask_id, name)
    taken = name == "accept" and state in ("matched", "delivered", "confirmed")
    assert (status, reason) == (409, "ask_taken" if taken else "wrong_state")
    assert status_of(make_uow, ask_id) == state


@pytest.mark.parametrize(("state", "name"), sorted(RETRIES), ids=_ids(sorted(RETRIES)))
def test_retrying_a_transition_that_already_happened_answers_ok_and_changes_nothing(
        ask_in, api, make_uow, state, name):
    ask_id, people = ask_in(state)
    assert take(api, make_uow, people, ask_id, name) == (200, None)
    assert status_of(make_uow, ask_id) == state


@pytest.mark.parametrize(("state", "name"), sorted(EXPIRE_SKIPS), ids=_ids(sorted(EXPIRE_SKIPS)))
def test_the_expire_job_leaves_an_ask_that_is_no_longer_open_as_it_is(ask_in, api, make_uow,
                                                                       state, name):
    ask_id, people = ask_in(state)
    assert take(api, make_uow, people, ask_id, name) == (200, None)
    assert status_of(make_uow, ask_id) == state


@pytest.mark.parametrize(("state", "name"), sorted(NO_HELPER), ids=_ids(sorted(NO_HELPER)))
def test_a_helpers_step_on_an_ask_nobody_helps_with_is_refused_with_403(ask_in, api, make_uow,
                                                                         state, name):
    ask_id, people = ask_in(state)
    assert take(api, make_uow, people, ask_id, name) == (403, "not_helper")
    assert status_of(make_uow, ask_id) == state
