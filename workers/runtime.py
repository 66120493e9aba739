"""Worker bootstrap: settings, database, job queue and handlers, built once per process.

Jobs are thin shells: take ids, open a unit of work, call one ``exchange`` service, commit.
``configure`` lets tests (and ``exchange worker``) set the runtime explicitly; otherwise the
first job builds it from the environment.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from exchange.adapters.bootstrap import dispatcher_for
from exchange.adapters.hops import hop_trace_for
from exchange.adapters.mail import mailer_for
from exchange.adapters.metrics import CountingMailer, CountingPusher, SharedMetrics
from exchange.adapters.presence import RedisPresence
from exchange.adapters.rq_jobs import RQJobQueue, connect
from exchange.adapters.webpush import pusher_for
from exchange.config import Settings
from exchange.db import Database
from exchange.dispatch import Dispatcher
from exchange.ports import HopTrace, Mailer, NoHops, Presence, PushSender
from exchange.uow import UnitOfWork


@dataclass
class Runtime:
    settings: Settings
    db: Database
    jobs: RQJobQueue
    dispatcher: Dispatcher
    presence: Presence
    mailer: Mailer | None = None
    pusher: PushSender | None = None
    hops: HopTrace = field(default_factory=NoHops)
    metrics: SharedMetrics | None = None  # figures for /metrics (exchange.adapters.metrics)

    @contextmanager
    def unit_of_work(self):
        with UnitOfWork(self.db, self.dispatcher, self.settings) as uow:
            yield uow


_current: Runtime | None = None


def configure(settings: Settings, *, db: Database | None = None, redis=None,
              presence: Presence | None = None, mailer: Mailer | None = None,
              pusher: PushSender | None = None) -> Runtime:
    global _current
    connection = redis or connect(settings.redis_url)
    jobs = RQJobQueue(connection)
    shared = SharedMetrics(connection)
    mailer, pusher = mailer or mailer_for(settings), pusher or pusher_for(settings)
    _current = Runtime(settings=settings, db=db or Database(settings.database_url), jobs=jobs,
                       dispatcher=dispatcher_for(settings, connection),
                       presence=presence or _presence(settings, connection),
                       mailer=mailer and CountingMailer(mailer, shared),
                       pusher=pusher and CountingPusher(pusher, shared),
                       hops=hop_trace_for(settings, connection), metrics=shared)
    return _current


def _presence(settings: Settings, connection) -> Presence:
    return RedisPresence(connection)


def runtime() -> Runtime:
    if _current is None:
        return configure(Settings.from_env())
    return _current


def reset() -> None:
    global _current
    _current = None
