"""Wiring the adapters for a process: the dispatcher with its job handlers."""

from __future__ import annotations

from exchange.config import Settings
from exchange.dispatch import Dispatcher


def dispatcher_for(settings: Settings, connection=None) -> Dispatcher:
    """Job handlers when Redis is configured; without Redis, events only reach the outbox
    (the worker's reconciler sends them once a Redis-backed worker runs)."""
    if not settings.redis_url and connection is None:
        return Dispatcher()
    from exchange.adapters.rq_jobs import RQJobQueue, connect
    from exchange.handlers import build
    jobs = RQJobQueue(connection or connect(settings.redis_url))
    return Dispatcher(build(jobs, settings))
