"""Resume without loss when notifications commit out of id order.

On PostgreSQL two workers writing for one member can commit out of id order: the first takes
its id, the second takes a higher one and commits, then the first commits. A client that
resumed after the highest id it had seen skipped the late, lower one. Each member's
notifications are now numbered (``seq``) in commit order, and a reconnecting client that passes
the id of the last one it handled gets every one numbered after it.

Here two workers (threads, each with its own unit of work and database connection, pushing
through the real dispatcher and Redis) commit notifications for one member out of id order
while a real Socket.IO client disconnects and reconnects with its cursor; every row must reach
it exactly once. SQLite has one writer at a time, so there the second worker cannot commit
while the first holds its transaction open: the same choreography runs with the commits in
write order, and the same must hold.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from exchange.notifications import service as notes
from exchange.notifications.models import Notification
from tests.realtime.live import settle, wait_until

pytestmark = pytest.mark.slow


class Worker(threading.Thread):
    """A unit of work that writes one notification, then waits for ``commit`` to be set."""

    def __init__(self, rt, member_id: int, message: str):
        super().__init__(daemon=True)
        self.rt, self.member_id, self.message = rt, member_id, message
        self.written = threading.Event()
        self.commit = threading.Event()
        self.done = threading.Event()
        self.note_id: int | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.rt.unit_of_work() as uow:
                row = notes.notify(uow, member_id=self.member_id, kind="mod.warning",
                                   data={"message": self.message})
                self.note_id = row.id
                self.written.set()
                assert self.commit.wait(20), "never told to commit"
                uow.commit()  # numbered, committed, then pushed
        except BaseException as err:  # noqa: BLE001 - reported by the test
            self.error = err
            self.written.set()
        finally:
            self.done.set()


def _commit(worker: Worker) -> None:
    worker.commit.set()
    assert worker.done.wait(20)
    worker.join(5)
    assert worker.error is None, worker.error


def _out_of_order(rt, db, member_id: int, first: str, second: str) -> tuple[Worker, Worker]:
    """``first`` writes (the lower id) and holds its transaction open; ``second`` writes (a
    higher id) and commits; ``first`` is returned still uncommitted. On SQLite ``first``
    commits before ``second`` writes (one writer at a time)."""
    low, high = Worker(rt, member_id, first), Worker(rt, member_id, second)
    low.start()
    assert low.written.wait(20) and low.error is None, low.error
    if db.dialect != "postgresql":
        _commit(low)
    high.start()
    assert high.written.wait(20)
    _commit(high)
    assert low.note_id < high.note_id
    return low, high


def _messages(listener) -> list[str]:
    return [p["data"]["message"] for p in listener.received("mod.warning")]


def test_a_notification_committed_late_under_a_lower_id_reaches_a_reconnecting_client(
        rt, db, job_api, listen, publisher):
    who = job_api.member("reader")
    first = listen(who)
    seen: list[str] = []
    cursor = 0
    for round_ in range(3):
        low, high = _out_of_order(rt, db, who["id"], f"low{round_}", f"high{round_}")
        # The client has the later commit (the higher id) live, then drops...
        assert wait_until(lambda c=first, h=f"high{round_}": h in _messages(c))
        cursor = first.cursor()
        first.disconnect()
        seen += _messages(first)
        if not low.done.is_set():
            _commit(low)  # ...and the lower id commits while it is away (PostgreSQL)
        # ...and comes back with the id of the last notification it handled.
        first = listen(who, since=cursor)
        assert settle(first, publisher)
    seen += _messages(first)
    assert sorted(seen) == sorted(f"{k}{r}" for r in range(3) for k in ("low", "high"))
    assert len(seen) == len(set(seen))  # none doubled
    with db.session(write=False) as s:
        rows = s.execute(select(Notification.id, Notification.seq, Notification.data).where(
            Notification.member_id == who["id"]).order_by(Notification.seq)).all()
    assert [seq for _, seq, _ in rows] == [1, 2, 3, 4, 5, 6]  # in commit order, no gaps
    if db.dialect == "postgresql":  # each round's lower id was numbered after the higher one
        assert [d["message"] for _, _, d in rows] == [
            f"{k}{r}" for r in range(3) for k in ("high", "low")]
        assert [i for i, _, _ in rows] != sorted(i for i, _, _ in rows)


def test_a_notification_committed_late_under_a_lower_id_is_pushed_live_too(
        rt, db, job_api, listen, publisher):
    """Connected throughout: the late lower id arrives live after the higher one, once."""
    who = job_api.member("watcher")
    listener = listen(who)
    low, high = _out_of_order(rt, db, who["id"], "low", "high")
    if not low.done.is_set():
        _commit(low)
    assert settle(listener, publisher)
    pushed = listener.received("mod.warning")
    expected = ["high", "low"] if db.dialect == "postgresql" else ["low", "high"]
    assert [p["data"]["message"] for p in pushed] == expected
    assert [p["seq"] for p in pushed] == [1, 2]
    assert listener.cursor() == pushed[-1]["id"]
