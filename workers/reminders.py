"""Reminder jobs: plan the reminders a transition calls for; send one (or put it off)."""

from __future__ import annotations

from exchange.reminders import occasions
from workers.runtime import runtime


def plan(ask_id: int, status: str, at: str | None) -> int:
    rt = runtime()
    with rt.unit_of_work() as uow:
        return occasions.plan(uow.session, rt.jobs, ask_id=ask_id, status=status, at=at)


def remind(ask_id: int, member_id: int, key: str, attempt: int = 0) -> str:
    rt = runtime()
    with rt.unit_of_work() as uow:
        later = occasions.remind(uow, ask_id=ask_id, member_id=member_id, key=key)
        uow.commit()
    if later is None:
        return "done"
    # Quiet hours: try again when they end, under a new deterministic id.
    rt.jobs.enqueue_at(later, occasions.REMIND, ask_id, member_id, key, attempt + 1,
                       job_id=f"remind-{ask_id}-{key}-{member_id}-later{attempt + 1}",
                       queue="reminders")
    return "later"
