"""Nothing is lost across a disconnect or a restart: connecting with ``since`` replays exactly
the member's notifications after that id, oldest first, then live pushes follow."""

from __future__ import annotations

import threading

import pytest

from exchange import payloads
from exchange.notifications import service as notes
from exchange.uow import UnitOfWork
from tests.realtime.live import settle, wait_until

pytestmark = pytest.mark.slow


def _say(job_api, who, ask, *bodies):
    for body in bodies:
        r = job_api.call(who, "POST", f"/asks/{ask['id']}/messages", json={"body": body})
        assert r.status_code == 201, r.get_json()


def _bodies(listener) -> list[str]:
    return [p["data"]["message"]["body"] for p in listener.received("message.new")]


def _first_message_seen(job_api, listen, url):
    """A matched ask, the asker connected and pushed one message; (asker, helper, ask, since)."""
    asker, helper = job_api.member("asker"), job_api.member("helper")
    ask = job_api.matched(asker, helper)
    asked = listen(asker, url=url)
    _say(job_api, helper, ask, "one")
    assert asked.wait_for("message.new")
    return asker, helper, ask, asked


def _assert_exactly_the_missed_three(listener, publisher):
    assert len(listener.wait_for("message.new", 3)) >= 3
    assert settle(listener, publisher)
    assert listener.kinds() == ["message.new"] * 3 + ["test.marker"]
    assert _bodies(listener) == ["two", "three", "four"]
    ids = [p["id"] for p in listener.received("message.new")]
    assert ids == sorted(set(ids))
    for note in listener.received("message.new"):
        payloads.validate_notification(note)


def test_a_reconnecting_client_gets_exactly_what_it_missed(job_api, listen, server, publisher):
    asker, helper, ask, asked = _first_message_seen(job_api, listen, server.url)
    since = asked.last_id()
    asked.disconnect()
    _say(job_api, helper, ask, "two", "three", "four")
    again = listen(asker, since=since)
    _assert_exactly_the_missed_three(again, publisher)


def test_after_a_restart_the_client_gets_exactly_what_it_missed(job_api, listen, server,
                                                                 publisher):
    asker, helper, ask, asked = _first_message_seen(job_api, listen, server.url)
    since = asked.last_id()
    server.stop()
    assert wait_until(lambda: not asked.connected)
    _say(job_api, helper, ask, "two", "three", "four")
    server.start()
    again = listen(asker, since=since)
    _assert_exactly_the_missed_three(again, publisher)


def test_live_pushes_follow_the_replay(job_api, listen, server, publisher):
    asker, helper, ask, asked = _first_message_seen(job_api, listen, server.url)
    since = asked.last_id()
    asked.disconnect()
    _say(job_api, helper, ask, "two")
    again = listen(asker, since=since)
    assert again.wait_for("message.new")
    _say(job_api, helper, ask, "three")
    assert len(again.wait_for("message.new", 2)) == 2
    assert _bodies(again) == ["two", "three"]


def _store(db, member_id: int, count: int) -> list[dict]:
    """``count`` stored notifications for the member, as their pushed payloads."""
    with UnitOfWork(db) as uow:
        rows = [notes.notify(uow, member_id=member_id, kind="mod.warning",
                             data={"message": f"n{i}"}) for i in range(count)]
        uow.events = []  # no outbox rows: this test pushes them itself
        uow.commit()
        return [notes.as_payload(r) for r in rows]


def test_pushes_during_the_replay_come_after_it_each_once(job_api, listen, db, publisher):
    """A long replay while new notifications are stored and pushed: the client sees every one,
    oldest first, none twice, and the live ones only after the replay."""
    who = job_api.member("reader")
    stored = _store(db, who["id"], 300)
    pushed: list[dict] = []

    def keep_pushing():
        for _ in range(40):
            payload = _store(db, who["id"], 1)[0]
            publisher.push(who["id"], payload["kind"], payload)
            pushed.append(payload)

    listener = listen(who, connect_now=False)
    pusher = threading.Thread(target=keep_pushing)
    pusher.start()
    listener.connect(0)
    pusher.join(30)
    assert len(pushed) == 40
    assert settle(listener, publisher)
    ids = [p["id"] for p in listener.received("mod.warning")]
    assert ids == sorted({p["id"] for p in stored + pushed})  # in order, each exactly once
    assert listener.kinds()[-1] == "test.marker"
