"""Pushes to browsers and API clients, through the Socket.IO Redis message queue.

Every process — web or worker — publishes with python-socketio's write-only ``RedisManager``
on one shared channel; every web process listens on that channel and emits to its own clients
in the room. So a push reaches a member connected to any web process, and web and workers use
the same path (FIELD-NOTES: a channel mismatch silently loses pushes, so it is one constant).

Account changes (a revoked token, a suspension) go on a small control channel that each web
process also listens to, and drop the affected sockets wherever they are connected.
"""

from __future__ import annotations

import json

import socketio


def channels(prefix: str = "exchange") -> tuple[str, str]:
    """(Socket.IO message-queue channel, control channel). Redis pub/sub ignores the database
    number, so deployments (or test runs) sharing one Redis set ``EXCHANGE_PUSH_CHANNEL``."""
    return f"{prefix}-socketio", f"{prefix}-control"


def member_room(member_id: int) -> str:
    return f"member:{member_id}"


FEED_ANY = "feed:any"


def feed_rooms(tags) -> list[str]:
    """The rooms of the sockets whose "asks you could help with" may list an ask with these
    tags: an untagged ask fits anyone (every socket is in ``feed:any``), a tagged one those
    with one of its tags as a skill (``feed:tag:<tag>``, joined on connect)."""
    return [f"feed:tag:{tag}" for tag in tags] if tags else [FEED_ANY]


def member_feed_rooms(skills) -> list[str]:
    """The feed rooms a member's socket joins: everyone's, and one per skill."""
    return [FEED_ANY, *(f"feed:tag:{tag}" for tag in skills)]


class RedisPushPublisher:
    def __init__(self, redis_url: str, connection, prefix: str = "exchange"):
        channel, self.control = channels(prefix)
        self.manager = socketio.RedisManager(redis_url, channel=channel, write_only=True)
        self._redis = connection

    def push(self, member_id: int, kind: str, payload: dict) -> None:
        self.manager.emit(kind, payload, room=member_room(member_id), namespace="/")

    def push_many(self, pushes: list[tuple[int, str, dict]]) -> None:
        """Several pushes — ``(member_id, kind, payload)`` each — in one Redis round trip: the
        same messages ``push`` sends (python-socketio's ``emit`` message), PUBLISHed in one
        pipeline, so every web process relays them one by one, in order, through its gate."""
        if not pushes:
            return
        with self._redis.pipeline(transaction=False) as pipe:
            for member_id, kind, payload in pushes:
                pipe.publish(self.manager.channel, self.manager.json.dumps({
                    "method": "emit", "event": kind, "data": [payload], "binary": False,
                    "namespace": "/", "room": member_room(member_id), "skip_sid": None,
                    "callback": None, "host_id": self.manager.host_id}))
            pipe.execute()

    def to_feeds(self, tags, kind: str, payload: dict) -> None:
        """One event, not stored, to every socket whose feed may list an ask with ``tags``
        (``feed_rooms``; a socket in several of them gets it once)."""
        self.manager.emit(kind, payload, room=feed_rooms(tags), namespace="/")

    def drop(self, *, member_id: int | None = None, token_id: int | None = None) -> None:
        """Disconnect the member's sockets (or those opened with one token) everywhere."""
        message = {"member_id": member_id, "token_id": token_id}
        self._redis.publish(self.control, json.dumps(message))
