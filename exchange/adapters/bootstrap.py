"""Wiring a process: the adapters built once, injected into the handlers of ``exchange.handlers``.

cosmicpython's bootstrap: each handler declares the dependencies it needs as keyword-only
parameters (``jobs``, ``push``, ``settings``), and they are bound here with
``functools.partial``, so the handler stays a named module function.

Without Redis (no ``EXCHANGE_REDIS_URL`` and no connection given, as in ``exchange demo`` before
the embedded server runs, or a test's bare app) the dispatcher has no handlers: committed
durable events stay pending in the outbox, and a worker's reconciler sends them once one runs.
"""

from __future__ import annotations

import functools
import inspect

import redis

from exchange.adapters.hops import hop_trace_for
from exchange.adapters.push import RedisPushPublisher
from exchange.adapters.rq_jobs import RQJobQueue, connect
from exchange.config import Settings
from exchange.dispatch import Dispatcher, Handler
from exchange.handlers import BATCH_HANDLERS, EVENT_HANDLERS
from exchange.ports import HopTrace, NoHops


def dispatcher_for(settings: Settings, connection=None) -> Dispatcher:
    if not settings.redis_url and connection is None:
        return Dispatcher()
    connection = connection or connect(settings.redis_url)
    url = settings.redis_url or _url_of(connection)
    dependencies = {
        "jobs": RQJobQueue(connection),
        "push": RedisPushPublisher(url, connection, prefix=settings.push_channel),
        "settings": settings,
        "hops": hop_trace_for(settings, connection),
    }
    return Dispatcher(bind(EVENT_HANDLERS, dependencies),
                      batch=bind(BATCH_HANDLERS, dependencies), unavailable=REDIS_AWAY)


# Redis not answering (stopped, restarting, unreachable): an outage, not a fault in a handler.
REDIS_AWAY = (redis.ConnectionError, redis.TimeoutError)


def bind(handlers: dict, dependencies: dict) -> dict[type, list[Handler]]:
    """Each handler with the dependencies it names bound; the map's shape unchanged."""
    return {kind: [inject(handler, dependencies) for handler in funcs]
            for kind, funcs in handlers.items()}


def inject(handler, dependencies: dict) -> Handler:
    wanted = [name for name, p in inspect.signature(handler).parameters.items()
              if p.kind is inspect.Parameter.KEYWORD_ONLY]
    return functools.partial(handler, **{name: dependencies[name] for name in wanted})


def _url_of(connection) -> str:
    kw = connection.connection_pool.connection_kwargs
    return f"redis://{kw.get('host', '127.0.0.1')}:{kw.get('port', 6379)}/{kw.get('db', 0)}"


def hop_trace(settings: Settings) -> HopTrace:
    """The process's hop recorder: Redis when ``EXCHANGE_TRACE_HOPS`` is on, else nothing."""
    if not (settings.trace_hops and settings.redis_url):
        return NoHops()
    return hop_trace_for(settings, connect(settings.redis_url))
