"""The periodic sweep (every minute, one per deployment: ``workers.sweeps``): the safety net
under the scheduled jobs. Re-sends outbox rows still pending (Redis was away), expires open
asks whose time passed, auto-confirms week-old deliveries, reinstates members whose suspension
is over, sends the "try a small ask" nudges, sends again mail whose send never finished,
plans the digests that are due, and puts back on their queue the jobs RQ lost
(``workers.lost_jobs``). ``sweep`` is the database part; ``periodic_sweep`` is the job."""

from __future__ import annotations

import logging

from exchange.asks.service import overdue_ask_ids
from exchange.moderation.sanctions import overdue_suspension_ids
from exchange.outbox import service as outbox_service
from exchange.reminders.occasions import nudge_generous_members
from workers import lost_jobs, sweeps
from workers.asks import auto_confirm, expire_ask
from workers.delivery import plan_digests, resend_stale_mail
from workers.moderation import reinstate
from workers.runtime import runtime

log = logging.getLogger(__name__)


def reconcile() -> int:
    rt = runtime()
    return outbox_service.relay(rt.db, rt.dispatcher)


def sweep() -> dict:
    rt = runtime()
    done = {"relayed": reconcile(), "expired": 0, "auto_confirmed": 0, "nudged": 0}
    with rt.unit_of_work() as uow:
        to_expire, to_confirm = overdue_ask_ids(uow.session)
        to_reinstate = overdue_suspension_ids(uow.session)
    done["reinstated"] = sum(reinstate(m) for m in to_reinstate)
    done["expired"] = sum(expire_ask(a) == "expired" for a in to_expire)
    done["auto_confirmed"] = sum(auto_confirm(a) == "confirmed" for a in to_confirm)
    with rt.unit_of_work() as uow:
        done["nudged"] = nudge_generous_members(uow)
        uow.commit()
    done["mail_resent"] = resend_stale_mail()
    done["digests"] = plan_digests()
    return done


def periodic_sweep(period: int, every: int) -> dict:
    """The job ``sweep-{every}s-{period}``: the sweep, lost jobs, and a record of the run."""
    rt = runtime()
    done = sweep()
    done["lost_jobs_put_back"] = lost_jobs.recover(rt.jobs.connection)
    sweeps.record(rt.jobs.connection, period=period, every=every, done=done)
    return done
