"""Suspension: writes refused, open asks hidden, sockets dropped, reinstated when it ends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from exchange.adapters.bootstrap import bind
from exchange.clock import utcnow
from exchange.dispatch import Dispatcher
from exchange.events import MemberSuspended
from exchange.handlers import EVENT_HANDLERS
from exchange.members.models import Member
from exchange.moderation import sanctions
from exchange.ports import NoHops


def suspend(api, mod, who, days=3):
    return api.call(mod, "POST", f"/mod/members/{who['handle']}/suspend",
                    json={"days": days, "reason": "cooling off"})


def end_suspension(db, who) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(Member).where(Member.id == who["id"])
                     .values(suspended_until=utcnow() - timedelta(minutes=1)))


def test_a_suspended_member_gets_403_on_writes(api, mod):
    member = api.member()
    suspend(api, mod, member)
    assert api.call(member, "POST", "/asks", json={"title": "Read one paragraph please",
                                                   "minutes": 10}).status_code == 403


def test_a_suspended_member_can_still_read_their_own_profile(api, mod):
    member = api.member()
    suspend(api, mod, member)
    assert api.call(member, "GET", "/me").status_code == 200


def test_suspension_hides_the_members_open_asks(api, mod):
    member = api.member()
    ask = api.ask(member)
    suspend(api, mod, member)
    assert api.call(api.member(), "GET", f"/asks/{ask['id']}").status_code == 404


def test_days_outside_1_to_365_are_a_field_error(api, mod):
    assert suspend(api, mod, api.member(), days=366).status_code == 422


def test_a_suspended_member_is_told(api, mod):
    member = api.member()
    suspend(api, mod, member)
    kinds = [n["kind"] for n in api.call(member, "GET", "/notifications").get_json()["items"]]
    assert "account.suspended" in kinds


def test_suspending_emits_the_event_that_drops_sockets(api, mod, dispatcher):
    seen = []
    dispatcher.subscribe(MemberSuspended, seen.append)
    member = api.member()
    suspend(api, mod, member)
    assert [e.member_id for e in seen] == [member["id"]]


def test_the_handler_drops_sockets_and_schedules_reinstatement(settings):
    class Recorder:
        def __init__(self):
            self.calls = []

        def drop(self, **kw):
            self.calls.append(("drop", kw))

        def enqueue_at(self, when, func, *args, job_id, queue):
            self.calls.append(("at", func, args, job_id))

    fake = Recorder()
    handlers = bind(EVENT_HANDLERS, {"jobs": fake, "push": fake, "settings": settings,
                                     "hops": NoHops()})
    for handler in handlers[MemberSuspended]:
        handler(MemberSuspended(member_id=7, until="2030-01-01T00:00:00+00:00"))
    assert fake.calls == [("drop", {"member_id": 7}),
                          ("at", "workers.moderation.reinstate", (7,), "reinstate-7-1893456000")]


def test_the_reinstate_job_reinstates_once_the_time_has_come(api, mod, db, make_uow):
    member = api.member()
    ask = api.ask(member)
    suspend(api, mod, member)
    end_suspension(db, member)
    with make_uow() as uow:
        assert sanctions.reinstate_if_due(uow, member["id"]) is True
        uow.commit()
    assert api.call(api.member(), "GET", f"/asks/{ask['id']}").status_code == 200


def test_the_reinstate_job_does_nothing_before_the_time(api, mod, make_uow):
    member = api.member()
    suspend(api, mod, member)
    with make_uow() as uow:
        assert sanctions.reinstate_if_due(uow, member["id"]) is False


def test_the_sweep_reinstates_overdue_suspensions(api, mod, db, settings):
    from workers import runtime as worker_runtime
    from workers.housekeeping import sweep

    member = api.member()
    suspend(api, mod, member)
    end_suspension(db, member)
    # A runtime without Redis, mail or push: the sweep's own database work is under test.
    worker_runtime._current = worker_runtime.Runtime(
        settings=settings, db=db, jobs=None, dispatcher=Dispatcher(), presence=None,
        mailer=None, pusher=None)
    try:
        assert sweep()["reinstated"] == 1
    finally:
        worker_runtime.reset()
    assert api.call(member, "POST", "/asks", json={"title": "Read one paragraph please",
                                                   "minutes": 10}).status_code == 201


def test_reinstating_unhides_only_the_asks_the_suspension_hid(api, mod):
    member = api.member()
    kept_hidden = api.ask(member)
    api.call(mod, "POST", f"/mod/asks/{kept_hidden['id']}/hide", json={"reason": "spam"})
    unhidden = api.ask(member, title="Another paragraph to read")
    suspend(api, mod, member)
    api.call(mod, "POST", f"/mod/members/{member['handle']}/reinstate", json={"reason": "ok"})
    other = api.member()
    codes = [api.call(other, "GET", f"/asks/{a['id']}").status_code
             for a in (kept_hidden, unhidden)]
    assert codes == [404, 200]
