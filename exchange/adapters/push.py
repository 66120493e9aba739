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


class RedisPushPublisher:
    def __init__(self, redis_url: str, connection, prefix: str = "exchange"):
        channel, self.control = channels(prefix)
        self.manager = socketio.RedisManager(redis_url, channel=channel, write_only=True)
        self._redis = connection

    def push(self, member_id: int, kind: str, payload: dict) -> None:
        self.manager.emit(kind, payload, room=member_room(member_id), namespace="/")

    def drop(self, *, member_id: int | None = None, token_id: int | None = None) -> None:
        """Disconnect the member's sockets (or those opened with one token) everywhere."""
        message = {"member_id": member_id, "token_id": token_id}
        self._redis.publish(self.control, json.dumps(message))
