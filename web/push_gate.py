"""Replay first, then live, each notification once: a gate in front of each new socket.

A socket joins its member room as it connects, and the stored notifications after its
``since`` are replayed by a background task just after. Without a gate, a push landing while
the replay runs would reach the client before older replayed ones, or twice (once replayed,
once live). So the client manager — the one place every emit to a room passes through, local
or relayed from another process through Redis — holds a gate per connecting socket:

- while the replay runs, emits to the socket's member room are held back for it (other sockets
  in the room get them at once);
- the replay sends the stored notifications, then the held emits in arrival order, skipping
  any notification the replay already sent, and opens the gate — all under the gate's lock, so
  nothing live slips between;
- from then on a live notification whose id the replay sent is skipped (a push committed
  before the replay read the table but still in flight through Redis).

The gate is keyed on notification ids, not on "highest id so far": on PostgreSQL ids are not
committed in order, and a cursor would drop a lower id that commits late. (Across sockets the
client's cursor is the notification with the highest ``seq``, the member's commit order:
docs/decisions/0016-notification-sequence.md.)

Only python-socketio's ``Manager.emit`` is overridden (a public method); the gate sits below
``PubSubManager`` in the method order, so relayed emits pass through it too.

With Redis, the one other override is the listener's retry loop (``GatedRedisManager``): pushes
published while this process was not subscribed (Redis restarting) never reach it, and
python-socketio waited up to 60 s between tries and logged each. Here it tries every second,
logs the outage once a minute at most, and once subscribed again calls ``on_resubscribed``
(``web.realtime`` disconnects its sockets: each client reconnects with its ``since`` and is
replayed what it missed, through the gate above).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

import socketio

from exchange.outages import OutageLog

log = logging.getLogger(__name__)


class _Gate:
    __slots__ = ("room", "lock", "replaying", "held", "sent")

    def __init__(self, room: str):
        self.room = room
        self.lock = threading.Lock()
        self.replaying = True
        self.held: list[tuple[str, object]] = []
        self.sent: set[int] = set()


def _note_id(data) -> int | None:
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class ReplayGate(socketio.Manager):
    """Mixin for a python-socketio client manager; see the module docstring."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._gates_lock = threading.Lock()
        self._gates: dict[str, _Gate] = {}  # sid → its gate
        self._gated_rooms: dict[str, dict[str, _Gate]] = {}  # room → {sid: gate}

    def hold(self, sid: str, room: str) -> None:
        """Hold back emits to ``room`` for ``sid`` until :meth:`release` (call before joining)."""
        gate = _Gate(room)
        with self._gates_lock:
            self._gates[sid] = gate
            self._gated_rooms.setdefault(room, {})[sid] = gate

    def release(self, sid: str, replay: Iterable[dict], send: Callable[[str, object], None]) -> int:
        """Send ``replay`` (stored notifications, oldest first) and then what was held back,
        each notification once, and open the gate. Returns how many events were sent."""
        with self._gates_lock:
            gate = self._gates.get(sid)
        if gate is None:  # disconnected meanwhile
            return 0
        count = 0
        with gate.lock:
            for payload in replay:
                send(payload["kind"], payload)
                gate.sent.add(payload["id"])
                count += 1
            for event, data in gate.held:
                note = _note_id(data)
                if note is not None and note in gate.sent:
                    continue
                send(event, data)
                count += 1
            gate.held.clear()
            gate.replaying = False
        return count

    def forget(self, sid: str) -> None:
        with self._gates_lock:
            gate = self._gates.pop(sid, None)
            if gate is not None:
                gates = self._gated_rooms.get(gate.room, {})
                gates.pop(sid, None)
                if not gates:
                    self._gated_rooms.pop(gate.room, None)

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None,
             **kwargs):
        room = to or room
        if isinstance(room, str):
            with self._gates_lock:
                gates = list(self._gated_rooms.get(room, {}).items())
            if gates:
                skip = list(skip_sid) if isinstance(skip_sid, list) else [skip_sid]
                note = _note_id(data)
                for sid, gate in gates:
                    with gate.lock:
                        if gate.replaying:
                            gate.held.append((event, data))
                            skip.append(sid)
                        elif note is not None and note in gate.sent:
                            skip.append(sid)
                skip_sid = skip
        return super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                            callback=callback, **kwargs)


class GatedManager(ReplayGate):
    """One process, no message queue."""


class GatedRedisManager(socketio.RedisManager, ReplayGate):
    """Several processes sharing rooms through Redis (method order: RedisManager,
    PubSubManager, ReplayGate, Manager — so relayed emits reach the gate)."""

    on_resubscribed: Callable[[], None] | None = None
    outage = OutageLog(log, "Redis (the push channel)")

    def _redis_listen_with_retries(self):
        """python-socketio's loop (``RedisManager``), trying every second, with a call once
        subscribed again after a loss."""
        subscribed, lost = False, False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    self.pubsub.subscribe(self.channel)
                    subscribed = True
                    if lost:
                        lost = False
                        self.outage.back()
                        if self.on_resubscribed is not None:
                            self.on_resubscribed()
                yield from self.pubsub.listen()
            except Exception as error:  # noqa: BLE001 - as python-socketio's: retry on anything
                self.outage.away(error, "pushes are replayed to the sockets once it is back")
                subscribed, lost = False, True
                time.sleep(1)
