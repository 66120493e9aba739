"""Workers SIGKILLed three times while asks and confirms come in: nothing lost, nothing doubled
(issue 13, item 4).

A real ``exchange worker`` runs on the test's database and Redis (sweeping every second) while
30 asks are posted through the app and 10 of them are taken, delivered and confirmed. Three
times during the run, right after an ask was posted (its matching job on its way to the
worker, or in its hands), the worker is killed outright and a new one started: once the worker
alone (``os.kill``: what it forked must die with it and let go of its connections), once its
whole process group (``os.killpg``: the scheduler dies too, holding its lock). Afterwards:

- every ask had an offer within 60 s of being posted (the issue's bound, read from the rows'
  own timestamps; the test waits on the offers themselves, with a generous deadline);
- every confirmed ask has exactly one ledger transfer, and the ledger checks out (entries sum
  to zero, one transfer per confirmed ask: ``exchange ledger verify``'s checks);
- no job is stuck: nothing queued, running or failed on any queue (the sweep's own job
  excepted while it comes round each second), no scheduled job overdue, no lost job suspected,
  no outbox row unsent — what ``exchange jobs`` shows.
"""

from __future__ import annotations

import os
import signal
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exchange.adapters.rq_jobs import connect
from exchange.asks import ledger_check
from exchange.asks.models import Ask
from exchange.ledger.models import Entry, Transfer
from exchange.offers.models import Offer
from exchange.outbox.service import pending_count
from tests.workers.processes import (
    children,
    end_group,
    eventually,
    running,
    start_worker,
    worker_env,
)
from workers import lost_jobs, registries
from workers.sweeps import redis_now

pytestmark = pytest.mark.slow

ASKS = 30
CONFIRMED = range(0, ASKS, 3)  # the asks taken, delivered and confirmed: 10
KILL_AFTER = (7, 15, 23)  # the ask after whose posting the worker is killed
ASKERS = 10  # a member has at most five open asks
HELPERS = 6
OFFER_BOUND = timedelta(seconds=60)  # the issue's: every ask matched within 60 s
SETTLE_SECONDS = 180  # a job killed mid-run waits out its heartbeat (40 s) and a maintenance
TAG = "python"


class Crew:
    """The worker of the moment; ``kill`` ends it outright and starts the next."""

    def __init__(self, env: dict, log_path):
        self.env, self.log_path = env, log_path
        self.started: list = []

    @property
    def current(self):
        return self.started[-1]

    def start(self):
        self.started.append(start_worker(self.env, self.log_path))
        return self.current

    def kill(self, group: bool) -> list[int]:
        """SIGKILL the worker (or its process group), start the next; what it had forked."""
        victim = self.current
        forked = children(victim.pid)
        if group:
            os.killpg(victim.pid, signal.SIGKILL)
        else:
            os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        self.start()
        return forked

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-20_000:]


@pytest.fixture
def crew(database_url, redis_url, tmp_path):
    env = worker_env(database_url, redis_url, tmp_path, EXCHANGE_SWEEP_SECONDS="1")
    team = Crew(env, tmp_path / "worker.log")
    yield team
    for process in team.started:
        end_group(process)


def _first_offer(db, ask_id: int):
    """(helper id, offered at) of the ask's first offer, or None."""
    with db.session(write=False) as s:
        return s.execute(select(Offer.member_id, Offer.offered_at)
                         .where(Offer.ask_id == ask_id)
                         .order_by(Offer.offered_at).limit(1)).first()


def _confirm(job_api, ask_id: int, author, helper) -> None:
    """Each step as a client makes it: a 503 ("try again", e.g. a transaction PostgreSQL
    ended to break a deadlock) is tried again, as its Retry-After says."""
    for who, step in ((helper, "accept"), (helper, "deliver"), (author, "confirm")):
        answers = []

        def done(who=who, step=step, answers=answers) -> bool:
            answers.append(job_api.call(who, "POST", f"/asks/{ask_id}/{step}"))
            return answers[-1].status_code != 503

        assert eventually(done), (step, answers[-1].get_json())
        assert answers[-1].status_code == 200, (step, answers[-1].get_json())


def _confirm_offered(job_api, db, waiting: dict, helpers: dict) -> None:
    """Take, deliver and confirm each waiting ask that has its offer by now."""
    for ask_id, author in list(waiting.items()):
        offer = _first_offer(db, ask_id)
        if offer is not None:
            _confirm(job_api, ask_id, author, helpers[offer.member_id])
            del waiting[ask_id]


def _stuck(connection) -> list[str]:
    """What ``exchange jobs`` would show as not done: jobs queued, running or failed on any
    queue (a sweep waiting for its turn excepted: one is enqueued every second), scheduled jobs
    past due, lost jobs suspected."""
    found = []
    for row in registries.counts(connection):
        queue = next(q for q in registries.queues(connection) if q.name == row.name)
        waiting = [i for i in queue.get_job_ids() + queue.started_job_registry.get_job_ids()
                   if not i.startswith("sweep-")]
        found += [f"{row.name}: {i} queued or running" for i in waiting]
        found += [f"{row.name}: {i} failed" for i in queue.failed_job_registry.get_job_ids()]
        overdue = connection.zrangebyscore(queue.scheduled_job_registry.key, "-inf",
                                           redis_now(connection) - 5)
        found += [f"{row.name}: {i.decode()} overdue" for i in overdue]
    suspected = lost_jobs.counts(connection).suspected
    if suspected:
        found.append(f"{suspected} lost job(s) suspected")
    return found


@pytest.mark.parametrize("group", [False, True], ids=["worker", "process-group"])
def test_killing_the_worker_three_times_loses_no_ask_and_doubles_no_credit(
        group, job_api, crew, redis_url, db):
    askers = [job_api.member(f"asker{i}") for i in range(ASKERS)]
    helpers = {h["id"]: h for h in (job_api.member(f"helper{i}", skills=[TAG], capacity=10)
                                     for i in range(HELPERS))}
    crew.start()
    asks: list[int] = []
    to_confirm: dict[int, dict] = {}
    forked: list[int] = []
    for n in range(ASKS):
        author = askers[n % ASKERS]
        ask_id = job_api.ask(author, tags=[TAG])["id"]
        asks.append(ask_id)
        if n in CONFIRMED:
            to_confirm[ask_id] = author
        if n == 0 or n - 1 in KILL_AFTER:
            # this worker is up and matching before anything more happens to it
            assert eventually(lambda a=ask_id: _first_offer(db, a)), crew.log()
        _confirm_offered(job_api, db, to_confirm, helpers)
        if n in KILL_AFTER:  # its matching job is on its way, or being run
            forked += crew.kill(group)

    # Nothing the killed workers forked outlives them (holding their Redis connections).
    assert eventually(lambda: not any(running(pid) for pid in forked)), crew.log()
    assert eventually(lambda: all(_first_offer(db, a) for a in asks),
                      SETTLE_SECONDS), crew.log()
    assert eventually(lambda: (_confirm_offered(job_api, db, to_confirm, helpers)
                               or not to_confirm)), crew.log()

    first = {a: _first_offer(db, a).offered_at for a in asks}
    with db.session(write=False) as s:
        posted = dict(s.execute(select(Ask.id, Ask.created_at).where(Ask.id.in_(asks))).all())
        slow = {a: first[a] - posted[a] for a in asks}
        assert {a: d for a, d in slow.items() if d > OFFER_BOUND} == {}
        confirmed = s.scalars(select(Ask.id).where(Ask.status == "confirmed")).all()
        assert sorted(confirmed) == sorted(asks[n] for n in CONFIRMED)
        per_ask = dict(s.execute(select(Transfer.ask_id, func.count())
                                 .group_by(Transfer.ask_id)).all())
        assert per_ask == {a: 1 for a in confirmed}  # each credited once, nothing else
        assert s.scalar(select(func.sum(Entry.amount))) == 0
        report = ledger_check.verify(s)
        assert report.ok, report.problems

    connection = connect(redis_url)
    try:
        assert eventually(lambda: not _stuck(connection), SETTLE_SECONDS), \
            (_stuck(connection), crew.log())
        with db.session(write=False) as s:
            assert pending_count(s) == 0
    finally:
        connection.close()
    assert crew.current.poll() is None, crew.log()  # the last worker still runs
