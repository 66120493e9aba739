"""Matching jobs: send a wave of offers (and, past the last wave, widen the ask)."""

from __future__ import annotations

from exchange.matching import service as matching
from workers.runtime import runtime


def match_ask(ask_id: int, round_: int, wave: int) -> list[int] | None:
    rt = runtime()
    if round_ == 0 and wave == 1:
        rt.hops.mark(ask_id, "job_started")
    with rt.unit_of_work() as uow:
        offered = matching.run_wave(uow, ask_id=ask_id, round_=round_, wave=wave,
                                    presence=rt.presence)
        uow.commit()
    return offered
