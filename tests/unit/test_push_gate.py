"""The replay gate: pushes landing while a socket's replay runs come after the replay, once."""

from __future__ import annotations

import threading

import socketio

from web.push_gate import GatedManager

ROOM = "member:7"


class _Server:
    """What python-socketio's Manager.emit needs of a server, recording what each socket gets."""

    packet_class = socketio.packet.Packet

    def __init__(self):
        self.sent: dict[str, list[tuple[str, object]]] = {}
        self.lock = threading.Lock()

    class eio:  # noqa: N801 - mirrors the attribute python-socketio reads
        counter = iter(range(1, 10_000))

        @classmethod
        def generate_id(cls):
            return f"s{next(cls.counter)}"

    def _send_eio_packet(self, eio_sid, eio_pkt):
        decoded = socketio.packet.Packet(encoded_packet=eio_pkt.data)
        event, *data = decoded.data
        with self.lock:
            self.sent.setdefault(eio_sid, []).append((event, data[0] if data else None))


def _manager():
    server = _Server()
    manager = GatedManager()
    manager.set_server(server)
    return manager, server


def _socket(manager, eio_sid, *, gated: bool = False):
    """A socket in the room; ``gated``: held back as a newly connecting one is, before joining."""
    sid = manager.connect(eio_sid, "/")
    if gated:
        manager.hold(sid, ROOM)
    manager.enter_room(sid, "/", ROOM)
    return sid


def _note(i):
    return {"id": i, "kind": "message.new", "data": {"n": i}}


def test_pushes_during_the_replay_wait_and_repeats_are_skipped():
    manager, server = _manager()
    old = _socket(manager, "e-old")  # connected earlier: gets everything at once
    new = _socket(manager, "e-new", gated=True)  # the new socket joins under the gate

    manager.emit("message.new", _note(3), "/", room=ROOM)  # lands mid-replay, also replayed
    manager.emit("message.new", _note(5), "/", room=ROOM)  # lands mid-replay, after its read
    manager.emit("test.marker", {"marker": "x"}, "/", room=ROOM)

    assert [d["id"] for _, d in server.sent["e-old"] if "id" in d] == [3, 5]
    assert "e-new" not in server.sent  # nothing yet: the replay has not run

    def send(event, data):
        manager.emit(event, data, "/", to=new)

    sent = manager.release(new, [_note(2), _note(3), _note(4)], send)
    assert sent == 5
    got = server.sent["e-new"]
    assert [d.get("id", d.get("marker")) for _, d in got] == [2, 3, 4, 5, "x"]

    manager.emit("message.new", _note(4), "/", room=ROOM)  # a late echo of a replayed one
    manager.emit("message.new", _note(6), "/", room=ROOM)
    assert [d.get("id") for _, d in server.sent["e-new"]][-1] == 6
    assert [d.get("id") for _, d in server.sent["e-new"]].count(4) == 1
    assert [d.get("id") for _, d in server.sent["e-old"]].count(4) == 1  # the old one got it
    assert old != new


def test_a_forgotten_socket_releases_nothing_and_leaves_no_gate():
    manager, server = _manager()
    sid = _socket(manager, "e1", gated=True)
    manager.forget(sid)
    assert manager.release(sid, [_note(1)], lambda *a: None) == 0
    manager.emit("message.new", _note(2), "/", room=ROOM)
    assert [d["id"] for _, d in server.sent["e1"]] == [2]  # no gate: delivered straight away
    assert manager._gated_rooms == {}


def test_concurrent_pushes_during_release_keep_order():
    manager, server = _manager()
    sid = _socket(manager, "e1", gated=True)
    replay = [_note(i) for i in range(1, 201)]
    stop = threading.Event()

    def live():
        for i in range(150, 400):  # overlaps the replay, then goes past it
            manager.emit("message.new", _note(i), "/", room=ROOM)
        stop.set()

    pusher = threading.Thread(target=live)
    pusher.start()
    manager.release(sid, replay, lambda e, d: manager.emit(e, d, "/", to=sid))
    pusher.join(10)
    assert stop.is_set()
    ids = [d["id"] for _, d in server.sent["e1"]]
    assert ids == list(range(1, 400))
