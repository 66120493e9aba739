"""Who is connected right now, in Redis, with expiry so a crashed process leaves no ghosts.

``presence:{member}`` is a hash of socket id → last heartbeat (epoch seconds) and
``presence:members`` a sorted set of member → last heartbeat. Each web process refreshes its
own sockets every ``HEARTBEAT`` seconds; a member counts as online while some heartbeat is
younger than ``STALE``. A process that dies simply stops refreshing, and its sockets age out.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

HEARTBEAT = 15
STALE = 45
MEMBERS = "presence:members"


def _key(member_id: int) -> str:
    return f"presence:{member_id}"


class RedisPresence:
    def __init__(self, connection, *, clock=time.time):
        self.redis = connection
        self.clock = clock

    def connected(self, member_id: int, sid: str) -> None:
        self.refresh([(member_id, sid)])

    def disconnected(self, member_id: int, sid: str) -> None:
        self.redis.hdel(_key(member_id), sid)
        if not self._live_sids(member_id):
            self.redis.zrem(MEMBERS, str(member_id))

    def refresh(self, sockets: Iterable[tuple[int, str]]) -> None:
        """Mark these sockets alive now: one round trip for all of a process's sockets."""
        now = self.clock()
        pipe = self.redis.pipeline(transaction=False)
        for member_id, sid in sockets:
            pipe.hset(_key(member_id), sid, now)
            pipe.expire(_key(member_id), STALE * 2)
            pipe.zadd(MEMBERS, {str(member_id): now})
        pipe.execute()

    def _live_sids(self, member_id: int) -> list[str]:
        cutoff = self.clock() - STALE
        return [sid.decode() if isinstance(sid, bytes) else sid
                for sid, seen in self.redis.hgetall(_key(member_id)).items()
                if float(seen) >= cutoff]

    def online(self, member_ids: Iterable[int]) -> set[int]:
        ids = list(member_ids)
        if not ids:
            return set()
        cutoff = self.clock() - STALE
        scores = self.redis.zmscore(MEMBERS, [str(i) for i in ids])
        return {i for i, seen in zip(ids, scores, strict=True) if seen and seen >= cutoff}

    def count(self) -> int:
        return self.redis.zcount(MEMBERS, self.clock() - STALE, "+inf")
