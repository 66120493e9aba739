"""A job for the lane tests that keeps its worker busy until the test lets it go (it waits on
a Redis list, an event, not on time). Imported by a real ``exchange worker`` by name."""

from __future__ import annotations

import redis

from workers.runtime import runtime


def hold(key: str) -> str:
    # A connection of its own: the runtime's times out a read after 5 s.
    connection = redis.Redis.from_url(runtime().settings.redis_url)
    try:
        connection.rpush(f"{key}:started", "1")
        return "released" if connection.blpop([key], timeout=25) else "gave up"
    finally:
        connection.close()
