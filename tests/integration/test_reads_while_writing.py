"""A read never waits for a writer: while another connection holds the write lock (SQLite's
one writer, or an exclusive table lock on PostgreSQL), GET requests are answered; the next
write waits its turn and then succeeds."""

from __future__ import annotations

import threading

from sqlalchemy import text


def _in_thread(call):
    done: dict = {}
    thread = threading.Thread(target=lambda: done.setdefault("response", call()), daemon=True)
    thread.start()
    return thread, done


def _hold_the_write_lock(db, conn) -> None:
    conn.begin()  # on SQLite the engine begins IMMEDIATE: the write lock, held till rollback
    if db.dialect == "postgresql":
        conn.execute(text("LOCK TABLE asks IN EXCLUSIVE MODE"))  # writers wait, readers not
    else:
        conn.execute(text("UPDATE asks SET updated_at = updated_at WHERE id = 0"))


def test_reads_are_answered_while_a_writer_holds_the_lock(api, db):
    member = api.member("reader")
    ask = api.ask(member)
    with db.engine.connect() as writer:
        _hold_the_write_lock(db, writer)
        for path in ("/asks?mine=asked", f"/asks/{ask['id']}", "/asks?for_me=true", "/me"):
            thread, done = _in_thread(lambda p=path: api.call(member, "GET", p))
            thread.join(timeout=10)  # a blocked read would wait out the 30 s busy timeout
            assert not thread.is_alive(), f"GET {path} waited for the writer"
            assert done["response"].status_code == 200
        writer.rollback()


def test_a_write_waits_for_the_writer_and_then_goes_through(api, db):
    member = api.member("writer")
    with db.engine.connect() as writer:
        _hold_the_write_lock(db, writer)
        thread, done = _in_thread(lambda: api.call(member, "POST", "/asks", json={
            "title": "Read one paragraph of my essay", "minutes": 15}))
        thread.join(timeout=0.5)
        assert thread.is_alive()  # queued behind the lock, not refused
        writer.rollback()
    thread.join(timeout=30)
    assert done["response"].status_code == 201
