"""Wiring the adapters for a process: the dispatcher with its job handlers."""

from __future__ import annotations

from exchange.config import Settings
from exchange.dispatch import Dispatcher


def dispatcher_for(settings: Settings, connection=None) -> Dispatcher:
    """Job handlers when Redis is configured; without Redis, events only reach the outbox
    (the worker's reconciler sends them once a Redis-backed worker runs)."""
    if not settings.redis_url and connection is None:
        return Dispatcher()
    from exchange.adapters.push import RedisPushPublisher
    from exchange.adapters.rq_jobs import RQJobQueue, connect
    from exchange.handlers import build
    connection = connection or connect(settings.redis_url)
    jobs = RQJobQueue(connection)
    url = settings.redis_url or _url_of(connection)
    push = RedisPushPublisher(url, connection, prefix=settings.push_channel)
    return Dispatcher(build(jobs, settings, push=push))


def _url_of(connection) -> str:
    kw = connection.connection_pool.connection_kwargs
    return f"redis://{kw.get('host', '127.0.0.1')}:{kw.get('port', 6379)}/{kw.get('db', 0)}"
