"""Hop timestamps of an ask's way from post to first offer, in Redis, for the bench.

``hops:{ask}`` is a hash hop → epoch seconds (``HSETNX``: the first time a hop is reached is
the one kept, so the first offer's publish is what ``published`` means), expiring after ten
minutes. Every process — web and worker — writes with its own clock; on one machine (the
bench's) they are the same clock. Off (``NoHops``) unless ``EXCHANGE_TRACE_HOPS`` is set, so
production pays nothing.
"""

from __future__ import annotations

import time

from exchange.ports import HopTrace, NoHops

HOPS = ("received", "committed", "enqueued", "job_started", "offers_committed", "published")
TTL = 600


def key(ask_id: int) -> str:
    return f"hops:{ask_id}"


class RedisHopTrace:
    def __init__(self, connection):
        self.redis = connection

    def mark(self, ask_id: int, hop: str, at: float | None = None) -> None:
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hsetnx(key(ask_id), hop, repr(time.time() if at is None else at))
            pipe.expire(key(ask_id), TTL)
            pipe.execute()


def read(connection, ask_id: int) -> dict[str, float]:
    """The hops recorded for one ask (epoch seconds)."""
    raw = connection.hgetall(key(ask_id))
    return {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in raw.items()}


def hop_trace_for(settings, connection) -> HopTrace:
    return RedisHopTrace(connection) if settings.trace_hops and connection is not None \
        else NoHops()
