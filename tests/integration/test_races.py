"""Races with real threads, each with its own unit of work and connection: one winner per
accept, one transfer per confirm.

Threads are released together by a barrier so the conditional UPDATEs really contend: on
PostgreSQL on one row lock, on SQLite on the BEGIN IMMEDIATE write lock. Each race runs once
per module; its tests only read what it left, so each starts from a snapshot of those rows
(put back after the per-test cleanup emptied the tables).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from exchange.asks import service as asks
from exchange.dispatch import Dispatcher
from exchange.errors import Conflict
from exchange.ledger import service as ledger
from exchange.ledger.models import Entry, Transfer
from exchange.uow import UnitOfWork
from tests.integration.support import act, add_members, in_lockstep, notification_count, post
from tests.web.api_routes import module_settings
from tests.web.seed import Snapshot

HELPERS = 32
CONFIRMERS = 8

# One worker takes the whole module under pytest -n, so each race still runs once per run.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("races")]


@pytest.fixture(scope="module")
def module_uow(db, database_url, tmp_path_factory):
    settings = module_settings(database_url, tmp_path_factory)
    return lambda: UnitOfWork(db, Dispatcher(), settings)


@pytest.fixture(scope="module")
def accept_world(module_uow, db):
    """32 helpers accept one ask at the same moment, once for the module."""
    author, *helpers = add_members(module_uow, HELPERS + 1)
    ask_id = post(module_uow, author)

    def accept(i: int) -> int:
        act(module_uow, asks.accept_ask, helpers[i], ask_id=ask_id)
        return helpers[i]  # who won, as the thread itself knows it

    return (author, helpers, ask_id, in_lockstep(HELPERS, accept)), Snapshot(db)


@pytest.fixture
def accept_race(accept_world):
    """The accept race's rows in place; returns (author, helpers, ask, results)."""
    race, snapshot = accept_world
    snapshot.restore()
    return race


def test_exactly_one_of_32_racing_helpers_wins_the_ask(accept_race):
    _, helpers, _, results = accept_race
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1
    assert winners[0] in helpers


def test_every_other_racing_helper_is_told_the_ask_was_taken(accept_race):
    _, _, _, results = accept_race
    losers = [r for r in results if not isinstance(r, int)]
    assert len(losers) == HELPERS - 1
    assert all(isinstance(r, asks.LostRace) and isinstance(r, Conflict) for r in losers)
    assert {r.code for r in losers} == {"ask_taken"}


def test_the_ask_records_the_winner_as_its_helper(accept_race, make_uow):
    _, _, ask_id, results = accept_race
    (winner,) = [r for r in results if isinstance(r, int)]
    with make_uow() as uow:
        ask = asks.get_ask(uow.session, ask_id)
        assert (ask.status, ask.helper_id) == ("matched", winner)


def test_each_losing_helper_has_a_stored_ask_taken_note(accept_race, make_uow):
    _, helpers, _, results = accept_race
    (winner,) = [r for r in results if isinstance(r, int)]
    with make_uow() as uow:
        taken = {h: notification_count(uow.session, h, "ask.taken") for h in helpers}
    assert taken == {h: 0 if h == winner else 1 for h in helpers}


def test_the_author_hears_about_the_accept_exactly_once(accept_race, make_uow):
    author, _, _, _ = accept_race
    with make_uow() as uow:
        assert notification_count(uow.session, author, "ask.accepted") == 1


@pytest.fixture(scope="module")
def confirm_world(module_uow, db):
    """The author confirms one matched ask from 8 threads at once, once for the module."""
    author, helper = add_members(module_uow, 2)
    ask_id = post(module_uow, author, minutes=30)
    act(module_uow, asks.accept_ask, helper, ask_id=ask_id)

    def confirm(_i: int):
        return act(module_uow, asks.confirm_ask, author, ask_id=ask_id).status

    return (author, helper, ask_id, in_lockstep(CONFIRMERS, confirm)), Snapshot(db)


@pytest.fixture
def confirm_race(confirm_world):
    race, snapshot = confirm_world
    snapshot.restore()
    return race


def test_racing_confirms_all_succeed_because_confirm_is_idempotent(confirm_race):
    _, _, _, results = confirm_race
    assert results == ["confirmed"] * CONFIRMERS


def test_racing_confirms_write_exactly_one_transfer_of_two_balanced_entries(
        confirm_race, make_uow):
    _, _, ask_id, _ = confirm_race
    with make_uow() as uow:
        transfers = list(uow.session.scalars(select(Transfer)))
        assert [t.ask_id for t in transfers] == [ask_id]
        amounts = sorted(uow.session.scalars(select(Entry.amount)))
    assert amounts == [-30, 30]


def test_racing_confirms_count_one_help_in_both_members_totals(confirm_race, make_uow):
    author, helper, _, _ = confirm_race
    with make_uow() as uow:
        given = ledger.totals(uow.session, helper)
        received = ledger.totals(uow.session, author)
    assert (given["given_minutes"], given["helps_given"], given["balance"]) == (30, 1, 30)
    assert (received["received_minutes"], received["asks_received"],
            received["balance"]) == (30, 1, -30)


@pytest.fixture
def confirmed_ask(make_uow):
    author, helper = add_members(make_uow, 2)
    ask_id = post(make_uow, author, minutes=20)
    act(make_uow, asks.accept_ask, helper, ask_id=ask_id)
    act(make_uow, asks.confirm_ask, author, ask_id=ask_id)
    return ask_id


def test_recording_a_help_again_returns_the_first_transfer(confirmed_ask, make_uow):
    with make_uow() as uow:
        ask = asks.get_ask(uow.session, confirmed_ask)
        first = ledger.transfer_for_ask(uow.session, confirmed_ask)
        again = ledger.record_help(uow, ask=ask, minutes=99)
        uow.commit()
    assert (again.id, again.minutes) == (first.id, 20)


def test_recording_a_help_again_writes_no_new_entries(confirmed_ask, make_uow):
    with make_uow() as uow:
        ledger.record_help(uow, ask=asks.get_ask(uow.session, confirmed_ask), minutes=20)
        uow.commit()
    with make_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Entry)) == 2
        assert uow.session.scalar(select(func.count()).select_from(Transfer)) == 1


def test_the_database_refuses_a_second_help_transfer_for_the_same_ask(confirmed_ask, make_uow):
    with make_uow() as uow:
        ask = asks.get_ask(uow.session, confirmed_ask)
        uow.session.add(Transfer(kind="help", ask_id=ask.id, from_member_id=ask.author_id,
                                 to_member_id=ask.helper_id, minutes=20))
        with pytest.raises(IntegrityError):
            uow.flush()


def test_racing_accepts_over_http_answer_one_200_and_409_for_the_rest(app, api):
    author, *helpers = [api.member(f"racer{i}") for i in range(7)]
    ask = api.ask(author)

    def accept(i: int) -> int:
        client = app.test_client()
        return client.post(f"/api/v1/asks/{ask['id']}/accept",
                           headers=helpers[i]["headers"]).status_code

    assert sorted(in_lockstep(len(helpers), accept)) == [200] + [409] * (len(helpers) - 1)
