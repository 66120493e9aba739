"""Each member's notifications are numbered 1, 2, 3… (``seq``) in the order their transactions
committed, with no gaps: the numbers are taken just before the commit, under a lock on the
member's counter held until the commit (docs/decisions/0016-notification-sequence.md)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select, text

from exchange.dispatch import Dispatcher
from exchange.events import NotificationStored
from exchange.notifications import service as notes
from exchange.notifications.models import NoteCounter, Notification
from exchange.uow import UnitOfWork
from tests.integration.candidate_support import member
from tests.waiting import wait_until

pytestmark = pytest.mark.slow


def _seqs(db, member_id: int) -> list[tuple[int, str]]:
    with db.session(write=False) as s:
        return [(seq, data["message"]) for seq, data in s.execute(
            select(Notification.seq, Notification.data)
            .where(Notification.member_id == member_id).order_by(Notification.seq))]


def _warn(uow, member_id: int, message: str) -> Notification:
    return notes.notify(uow, member_id=member_id, kind="mod.warning", data={"message": message})


def test_notifications_are_numbered_per_member_in_commit_order_and_pushed_with_it(db, settings):
    pushed: list[NotificationStored] = []
    dispatcher = Dispatcher()
    dispatcher.subscribe(NotificationStored, pushed.append)
    make_uow = lambda: UnitOfWork(db, dispatcher, settings)  # noqa: E731
    ada, bo = member(make_uow, "ada"), member(make_uow, "bo")
    with make_uow() as uow:
        _warn(uow, bo, "b1")
        notes.notify_many(uow, kind="mod.warning", items=[(ada, {"message": "a1"}),
                                                          (bo, {"message": "b2"})])
        _warn(uow, ada, "a2")
        uow.commit()
    with make_uow() as uow:  # left without a commit: takes no number
        _warn(uow, ada, "dropped")
    with make_uow() as uow:
        notes.notify_many(uow, kind="mod.warning", items=[(bo, {"message": "b3"}),
                                                          (ada, {"message": "a3"})])
        uow.commit()
    assert _seqs(db, ada) == [(1, "a1"), (2, "a2"), (3, "a3")]
    assert _seqs(db, bo) == [(1, "b1"), (2, "b2"), (3, "b3")]
    with db.session(write=False) as s:
        assert dict(s.execute(select(NoteCounter.member_id, NoteCounter.seq)).all()) == {
            ada: 3, bo: 3}
        rows = {r.id: r for r in s.scalars(select(Notification))}
    assert len(pushed) == 6
    for e in pushed:  # each push carries its row's number, and is the row as listed
        assert e.payload["seq"] == rows[e.notification_id].seq
        assert e.payload == notes.as_payload(rows[e.notification_id])


def test_a_second_writer_for_the_member_numbers_after_the_first_commits(db, make_uow):
    """The first transaction has taken its number and is about to commit; the second waits for
    the member's counter and numbers after it. On PostgreSQL the second wrote its row first
    (the lower id), so its number is not its id order; SQLite has one writer at a time, so
    there the second cannot write before the first commits."""
    ada = member(make_uow, "ada")
    postgres = db.dialect == "postgresql"
    numbered, go_on = threading.Event(), threading.Event()
    second: dict = {}

    def write_second(holding: threading.Event | None):
        with make_uow() as uow:
            second["id"] = _warn(uow, ada, "second").id
            if holding is not None:
                holding.set()
                assert numbered.wait(20)
            uow.commit()
        second["done"] = True

    wrote_second = threading.Event()
    if postgres:
        later = threading.Thread(target=write_second, args=(wrote_second,), daemon=True)
        later.start()
        assert wrote_second.wait(20)
    with make_uow() as uow:
        first_id = _warn(uow, ada, "first").id

        @event.listens_for(uow.session, "before_commit")
        def hold(_session):  # numbered and locked; the COMMIT has not run yet
            numbered.set()
            assert go_on.wait(20)

        if not postgres:
            later = threading.Thread(target=write_second, args=(None,), daemon=True)
            later.start()
        else:
            threading.Thread(target=lambda: wait_until(
                lambda: _waiting_on_a_lock(db), timeout=20) and go_on.set(), daemon=True).start()
        if not postgres:
            go_on.set()
        uow.commit()
    later.join(20)
    assert second.get("done")
    assert _seqs(db, ada) == [(1, "first"), (2, "second")]
    if postgres:
        assert second["id"] < first_id


def _waiting_on_a_lock(db) -> bool:
    """Some backend on this database waits for a row lock (the second writer)."""
    with db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar())
