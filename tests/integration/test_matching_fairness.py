"""Fairness in the database: among equally good helpers, repeated asks rotate through everyone
instead of landing on the same few (least recently offered first, fewer recent offers first)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from exchange.matching.service import run_wave
from exchange.offers.models import Offer
from exchange.uow import UnitOfWork
from tests.integration.candidate_support import ask, member


@pytest.fixture
def wave_of_two(db, dispatcher, settings):
    two = replace(settings, wave_size=2, rate_limits=False)
    return lambda: UnitOfWork(db, dispatcher, two)


def _first_wave(make_uow, ask_id: int) -> list[int]:
    with make_uow() as uow:
        offered = run_wave(uow, ask_id=ask_id, round_=0, wave=1)
        uow.commit()
    return offered


def test_three_asks_in_a_row_go_to_six_different_helpers(wave_of_two):
    author = member(wave_of_two, "asker")
    helpers = {member(wave_of_two, f"helper{i}", skills=["python"]) for i in range(6)}
    offered = [_first_wave(wave_of_two, ask(wave_of_two, author, tags=["python"]))
               for _ in range(3)]
    assert [len(wave) for wave in offered] == [2, 2, 2]
    assert {m for wave in offered for m in wave} == helpers


def test_each_wave_is_recorded_as_offers_to_those_helpers(wave_of_two):
    author = member(wave_of_two, "asker")
    for i in range(3):
        member(wave_of_two, f"helper{i}", skills=["python"])
    ask_id = ask(wave_of_two, author, tags=["python"])
    offered = _first_wave(wave_of_two, ask_id)
    with wave_of_two() as uow:
        stored = list(uow.session.scalars(select(Offer.member_id).where(Offer.ask_id == ask_id)))
    assert sorted(stored) == sorted(offered)
