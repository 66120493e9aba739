"""Matching jobs: send a wave of offers (and, past the last wave, widen the ask)."""

from __future__ import annotations

import time

from exchange.adapters import logs
from exchange.matching import service as matching
from workers.runtime import runtime


def match_ask(ask_id: int, round_: int, wave: int) -> list[int] | None:
    rt = runtime()
    first = round_ == 0 and wave == 1
    if first:
        rt.hops.mark(ask_id, "job_started")
    started = time.perf_counter()
    with rt.unit_of_work() as uow:
        offered = matching.run_wave(uow, ask_id=ask_id, round_=round_, wave=wave,
                                    presence=rt.presence)
        uow.commit()  # the offers' pushes are published here, after the commit
    if rt.metrics is not None:
        rt.metrics.observe("match_wave_duration_seconds", time.perf_counter() - started)
        received = logs.received_at.get()  # set from the job's meta (workers.observability)
        if first and offered and received is not None:
            rt.metrics.observe("post_to_offer_seconds", time.time() - received)
    return offered
