"""Socket.IO: connect, authenticate, join the server-chosen rooms, replay, drop. Push only.

A client connects with ``auth={"token": <api token>, "since": <notification id>}`` — the id of
the notification with the highest ``seq`` it handled — or with the browser's session cookie.
Anonymous, bogus, banned or suspended connections are refused; a browser from a foreign
origin is refused by Socket.IO's origin check (the site's own host, or one
``EXCHANGE_ALLOWED_ORIGINS`` lists: ``web.security``). The server joins the socket to
``member:<id>`` (moderators' ``mod.flagged`` are stored notifications of their own, like every
push) and to the feed rooms of its skills, which carry only the ``feed.closed`` signal
(``exchange.adapters.push.feed_rooms``; docs/decisions/0021-closed-ask-signal.md); clients
never name rooms and there are no client→server events. On connect the
member's stored notifications numbered after ``since`` (``seq``: commit order, so one
committed late under a lower id is not skipped; docs/decisions/0016-notification-sequence.md)
are replayed, oldest first, before any live push, and each notification reaches the socket
once: pushes landing during the replay wait behind it (``web.push_gate``).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time

from flask import current_app, request, session
from flask_socketio import SocketIO, join_room

from exchange.adapters.bootstrap import REDIS_AWAY
from exchange.adapters.presence import HEARTBEAT, RedisPresence
from exchange.adapters.push import channels, member_feed_rooms, member_room
from exchange.adapters.rq_jobs import connect
from exchange.errors import Forbidden
from exchange.members import service as members
from exchange.notifications import service as notes
from exchange.outages import OutageLog
from web.auth import fingerprint
from web.push_gate import GatedManager, GatedRedisManager

log = logging.getLogger(__name__)
MAX_REPLAY = 500
CONTROL_OUTAGE = OutageLog(log, "Redis (the control channel)")
PRESENCE_OUTAGE = OutageLog(log, "Redis (presence)")


def async_mode() -> str:
    """``"gevent"`` in a process whose sockets gevent has monkey-patched (``web.wsgi`` under
    gunicorn's gevent worker, ``exchange serve`` through ``web.entry``), else ``"threading"``
    (the app built in-process by the tests, ``flask --app web``, any unpatched process).

    Chosen from the patching itself, never from whether gevent is importable: a gevent-mode
    server in an unpatched process would block the whole process on every socket read, and a
    threading-mode server in a patched one would still work but hold a greenlet-backed thread
    per socket for nothing (docs/decisions/0009-server-mode.md)."""
    monkey = sys.modules.get("gevent.monkey")
    return "gevent" if monkey is not None and monkey.is_module_patched("socket") else "threading"


class Sockets:
    """This process's sockets: sid → (member id, token id), and the background loops."""

    def __init__(self, sio: SocketIO, app, presence=None, redis_url: str | None = None,
                 control: str = "exchange-control"):
        self.sio, self.app, self.presence, self.redis_url = sio, app, presence, redis_url
        self.control = control
        self.local: dict[str, tuple[int, int | None]] = {}
        self.lock = threading.Lock()
        self._started = False

    def add(self, sid: str, member_id: int, token_id: int | None) -> None:
        with self.lock:
            self.local[sid] = (member_id, token_id)
            start, self._started = not self._started, True
        if self.presence is not None:
            self.presence.connected(member_id, sid)
        if start and self.redis_url:
            self.sio.start_background_task(self._listen_for_drops)
            self.sio.start_background_task(self._heartbeat)

    def remove(self, sid: str) -> None:
        self.sio.server.manager.forget(sid)
        with self.lock:
            found = self.local.pop(sid, None)
        if found and self.presence is not None:
            self.presence.disconnected(found[0], sid)

    def matching(self, member_id=None, token_id=None) -> list[str]:
        with self.lock:
            return [sid for sid, (m, t) in self.local.items()
                    if (member_id is not None and m == member_id)
                    or (token_id is not None and t == token_id)]

    def catch_up(self) -> None:
        """The push channel was lost for a while: what was published meanwhile never came.
        Every socket here has its connection dropped — the transport closed without a goodbye,
        as when a server restarts: a Socket.IO disconnect, or even Engine.IO's close packet,
        tells a client not to come back — so each client reconnects by itself with its
        ``since`` and is replayed what it missed."""
        with self.lock:
            sids = list(self.local)
        if sids:
            log.warning("push channel back after a loss: %d sockets reconnect to catch up",
                        len(sids))
        eio = self.sio.server.eio
        for sid in sids:
            eio_sid = self.sio.server.manager.eio_sid_from_sid(sid, "/")
            socket = eio.sockets.pop(eio_sid, None) if eio_sid is not None else None
            if socket is not None:
                socket.close(wait=False, abort=True)

    def _listen_for_drops(self) -> None:
        import redis
        while True:
            # Its own connection without a read timeout: a quiet channel is the normal case.
            pubsub = redis.Redis.from_url(self.redis_url).pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.control)
                CONTROL_OUTAGE.back()
                for message in pubsub.listen():
                    self._drop(message)
            except redis.RedisError as error:
                # A lost connection (Redis restarted) must not end drops for the rest of this
                # process's life; what was published meanwhile is lost, as with any pub/sub.
                CONTROL_OUTAGE.away(error, "subscribing to the control channel again")
                time.sleep(1)
            finally:
                pubsub.close()  # or redis-py's own reconnect leaves a subscriber nobody reads

    def _drop(self, message) -> None:
        try:
            body = json.loads(message["data"])
            for sid in self.matching(body.get("member_id"), body.get("token_id")):
                self.sio.server.disconnect(sid, namespace="/")
        except Exception:  # noqa: BLE001 - one bad message must not stop the listener
            log.exception("could not handle a control message")

    def _heartbeat(self) -> None:
        while True:
            time.sleep(HEARTBEAT)
            with self.lock:
                sockets = [(m, sid) for sid, (m, _) in self.local.items()]
            try:
                self.presence.refresh(sockets)
            except REDIS_AWAY as error:
                PRESENCE_OUTAGE.away(error, "presence is refreshed once it is back")
            except Exception:  # noqa: BLE001
                log.exception("presence heartbeat failed")


def _caller(db, auth):
    """(member, token id) from the auth token or the session cookie, or (None, None)."""
    with db.session(write=False) as s:
        token = auth.get("token") if isinstance(auth, dict) else None
        if isinstance(token, str) and token:
            found = members.member_for_token(s, token)
            return (found[0], found[1].id) if found else (None, None)
        member_id = session.get("member_id")
        member = members.get_member(s, member_id) if isinstance(member_id, int) else None
        if member is None or session.get("pw") != fingerprint(member):
            return None, None
        return member, None


def _since(auth) -> int:
    value = auth.get("since", 0) if isinstance(auth, dict) else 0
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _replay(sio: SocketIO, db, sid: str, member_id: int, since: int) -> None:
    deadline = time.monotonic() + 5
    while not sio.server.manager.is_connected(sid, "/") and time.monotonic() < deadline:
        time.sleep(0.005)  # the CONNECT packet goes out only after the handler returns
    try:
        with db.session(write=False) as s:
            rows = notes.list_after(s, member_id=member_id, after=since, limit=MAX_REPLAY)
            payloads = [notes.as_payload(r) for r in rows]
    except Exception:  # noqa: BLE001 - the gate must open even if the replay cannot be read
        log.exception("could not read notifications to replay")
        payloads = []
    sio.server.manager.release(sid, payloads, lambda event, data: sio.emit(event, data, to=sid))


def register(sio: SocketIO, sockets: Sockets) -> None:
    @sio.on("connect")
    def connect(auth=None):
        st = current_app.extensions["exchange"]
        member, token_id = _caller(st.db, auth)
        if member is None:
            raise ConnectionRefusedError("Please sign in first.")
        try:
            members.require_active(member)
        except Forbidden as err:
            raise ConnectionRefusedError(err.code) from None
        with st.db.session() as s, s.begin():
            members.note_seen(s, member.id)
            skills = members.skill_tags(s, member.id)
        sio.server.manager.hold(request.sid, member_room(member.id))
        join_room(member_room(member.id))
        for room in member_feed_rooms(skills):  # the feed.closed signal
            join_room(room)
        sockets.add(request.sid, member.id, token_id)
        sio.start_background_task(_replay, sio, st.db, request.sid, member.id, _since(auth))

    @sio.on("disconnect")
    def disconnect(*_args):
        sockets.remove(request.sid)


def init_realtime(app, settings) -> SocketIO:
    """The Socket.IO server on ``app``, sharing rooms through Redis when it is configured."""
    from web.security import origin_allowed
    options = dict(async_mode=async_mode(), logger=False, engineio_logger=False,
                   cors_allowed_origins=origin_allowed(settings))
    presence = None
    channel, control = channels(settings.push_channel)
    if settings.redis_url:
        options.update(client_manager=GatedRedisManager(settings.redis_url, channel=channel))
        presence = RedisPresence(connect(settings.redis_url))
    else:
        options.update(client_manager=GatedManager())
    sio = SocketIO(app, **options)
    sockets = Sockets(sio, app, presence=presence, redis_url=settings.redis_url, control=control)
    if isinstance(sio.server.manager, GatedRedisManager):
        sio.server.manager.on_resubscribed = sockets.catch_up
    register(sio, sockets)
    app.extensions["socketio"] = sio
    app.extensions["sockets"] = sockets
    return sio
