"""The after-commit handler map: named module functions, one literal map, every durable event
handled, dependencies bound at bootstrap, failures logged by the handler's name."""

from __future__ import annotations

import inspect
import logging
import re
from datetime import UTC, datetime

from exchange import events, handlers
from exchange.adapters.bootstrap import bind
from exchange.config import Settings
from exchange.dispatch import Dispatcher, handler_name
from exchange.ports import NoHops


class FakeJobs:
    def __init__(self):
        self.calls = []

    def enqueue(self, func, *args, job_id, queue="default"):
        self.calls.append(("now", func, args, job_id, queue))

    def enqueue_at(self, when, func, *args, job_id, queue="default"):
        self.calls.append(("at", when, func, args, job_id, queue))

    def enqueue_many(self, jobs):
        for job in jobs:
            if job.when is None:
                self.enqueue(job.func, *job.args, job_id=job.job_id, queue=job.queue)
            else:
                self.enqueue_at(job.when, job.func, *job.args, job_id=job.job_id,
                                queue=job.queue)

    def cancel(self, job_id):
        self.calls.append(("cancel", job_id))


class FakePush:
    def __init__(self):
        self.calls = []

    def push(self, member_id, kind, payload):
        self.calls.append(("push", member_id, kind))

    def drop(self, **who):
        self.calls.append(("drop", who))

    def to_feeds(self, tags, kind, payload):
        self.calls.append(("feeds", tuple(tags), kind, payload))


def _bound():
    jobs, push = FakeJobs(), FakePush()
    deps = {"jobs": jobs, "push": push, "settings": Settings(max_waves=2), "hops": NoHops()}
    return Dispatcher(bind(handlers.EVENT_HANDLERS, deps)), jobs, push


def test_every_durable_event_has_a_handler():
    assert events.DURABLE, "no durable events at all?"
    for name, kind in events.DURABLE.items():
        assert handlers.EVENT_HANDLERS.get(kind), f"{name} is durable but nothing handles it"


def test_every_handler_is_a_named_function_of_the_handlers_module():
    for funcs in handlers.EVENT_HANDLERS.values():
        for func in funcs:
            assert inspect.isfunction(func)
            assert func.__module__ == "exchange.handlers"
            assert "<locals>" not in func.__qualname__
            assert getattr(handlers, func.__name__) is func


def test_handlers_ask_only_for_the_adapters_bootstrap_provides():
    for funcs in handlers.EVENT_HANDLERS.values():
        for func in funcs:
            params = inspect.signature(func).parameters
            wanted = {n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
            assert wanted <= {"jobs", "push", "settings", "hops"}, func.__name__


def test_a_posted_ask_enqueues_its_first_wave_and_schedules_its_expiry():
    dispatcher, jobs, _ = _bound()
    expires = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    assert dispatcher.run(events.AskPosted(ask_id=5, expires_at=expires.isoformat()))
    assert jobs.calls == [
        ("now", handlers.MATCH, (5, 0, 1), "match-5-0-1", "matching"),
        ("at", expires, handlers.EXPIRE, (5,), "expire-5", "housekeeping"),
    ]


def test_a_reopened_ask_starts_a_new_round():
    dispatcher, jobs, _ = _bound()
    dispatcher.run(events.AskReopened(ask_id=5, skip_member_id=3, round=2))
    assert jobs.calls == [("now", handlers.MATCH, (5, 2, 1), "match-5-2-1", "matching")]


def test_a_taken_ask_cancels_its_later_waves_and_plans_reminders():
    dispatcher, jobs, _ = _bound()
    dispatcher.run(events.AskStateChanged(ask_id=5, status="matched", round=0, at="x"))
    assert jobs.calls == [("cancel", "match-5-0-2"), ("cancel", "match-5-0-3"),
                          ("now", handlers.PLAN_REMINDERS, (5, "matched", "x"),
                           "plan-5-matched-0", "reminders")]


def test_account_mail_is_a_job_on_the_mail_queue_with_an_id_rq_accepts():
    dispatcher, jobs, _ = _bound()
    event = events.AccountMailRequested(purpose="email_change_notice", member_id=7,
                                        address="sam@example.org", ref="0f77ba46d8d4d56e",
                                        other_address="sam@new.example")
    assert dispatcher.run(event)
    job_id = "account-email_change_notice-7-0f77ba46d8d4d56e"
    assert jobs.calls == [("now", handlers.ACCOUNT_MAIL, ("email_change_notice", 7,
                           "sam@example.org", "0f77ba46d8d4d56e", "sam@new.example"),
                           job_id, "mail")]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", job_id)


def test_a_reset_for_an_address_nobody_can_reset_is_still_a_job_of_its_own():
    dispatcher, jobs, _ = _bound()
    dispatcher.run(events.AccountMailRequested(purpose="reset", member_id=None, address="",
                                               ref="20261203"))
    assert [call[3] for call in jobs.calls] == ["account-reset-0-20261203"]


def test_a_stored_notification_is_pushed_to_its_member():
    dispatcher, _, push = _bound()
    dispatcher.run(events.NotificationStored(notification_id=1, member_id=7, kind="nudge",
                                             payload={"id": 1}))
    assert push.calls == [("push", 7, "nudge")]


def test_a_closed_ask_is_signalled_to_the_feeds_that_may_list_it():
    dispatcher, _, push = _bound()
    dispatcher.dispatch([events.AskClosedToHelpers(ask_id=4, why="cancelled",
                                                   tags=("writing", "python"))])
    assert push.calls == [("feeds", ("writing", "python"), "feed.closed",
                           {"ask_id": 4, "why": "cancelled"})]


def test_feed_rooms_are_the_asks_tags_or_everyone_for_an_untagged_ask():
    from exchange.adapters.push import FEED_ANY, feed_rooms
    assert feed_rooms(("writing", "python")) == ["feed:tag:writing", "feed:tag:python"]
    assert feed_rooms(()) == [FEED_ANY]


def test_an_event_nobody_handles_here_is_not_reported_done():
    assert Dispatcher().run(events.AskPosted(ask_id=1)) is False
    assert Dispatcher().dispatch([events.AskPosted(ask_id=1)]) == []


def test_a_failing_handler_is_logged_by_its_name(caplog):
    dispatcher, jobs, _ = _bound()

    def refuse(*args, **kwargs):
        raise ConnectionError("redis is away")

    jobs.enqueue = refuse
    with caplog.at_level(logging.ERROR, logger="exchange.dispatch"):
        assert dispatcher.run(events.AskPosted(ask_id=5)) is False
    assert "enqueue_matching failed" in caplog.text


def test_a_bound_handler_keeps_its_name():
    dispatcher, _, _ = _bound()
    names = [handler_name(h) for h in dispatcher.handlers[events.AskPosted]]
    assert names == ["enqueue_matching", "schedule_expiry"]


def test_a_failing_handler_ends_its_events_run_but_not_the_next_event():
    dispatcher, jobs, push = _bound()
    calls = []

    def refuse(*args, **kwargs):
        calls.append("enqueue")
        raise ConnectionError("redis is away")

    jobs.enqueue = refuse
    done = dispatcher.dispatch([
        events.AskPosted(ask_id=5, expires_at="2030-01-01T00:00:00+00:00"),
        events.NotificationStored(notification_id=1, member_id=7, kind="nudge", payload={}),
    ])
    assert calls == ["enqueue"]  # schedule_expiry was not tried: Redis is away anyway
    assert jobs.calls == []
    assert [type(e) for e in done] == [events.NotificationStored]
    assert push.calls == [("push", 7, "nudge")]


def test_a_notification_for_off_the_page_pushes_at_once_and_mails_after_the_delay():
    dispatcher, jobs, _ = _bound()
    stored = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    dispatcher.run(events.OffPageDue(notification_id=9, member_id=3, kind="ask.offered",
                                     created_at=stored.isoformat(), email=True, push=True))
    assert jobs.calls == [
        ("now", handlers.PUSH_NOTE, (9,), "push-n9", "push"),
        ("at", datetime(2030, 1, 1, 12, 2, tzinfo=UTC), handlers.MAIL_NOTE, (9,), "mail-n9",
         "mail"),
    ]


def test_a_channel_that_is_off_gets_no_job():
    dispatcher, jobs, _ = _bound()
    dispatcher.run(events.OffPageDue(notification_id=9, member_id=3, kind="reminder",
                                     created_at="2030-01-01T12:00:00+00:00", email=True))
    assert [call[-2] for call in jobs.calls] == ["mail-n9"]


def test_mail_already_due_is_queued_at_once():
    dispatcher, jobs, _ = _bound()
    dispatcher.run(events.OffPageDue(notification_id=9, member_id=3, kind="reminder",
                                     created_at="2020-01-01T12:00:00+00:00", email=True))
    assert jobs.calls == [("now", handlers.MAIL_NOTE, (9,), "mail-n9", "mail")]


class BatchPush(FakePush):
    def push_many(self, pushes):
        self.calls.append(("push_many", [(m, kind) for m, kind, _ in pushes]))


def _note(member_id: int, kind: str = "nudge", ask_id: int | None = None):
    data = {"ask": {"id": ask_id}} if ask_id else {}
    return events.NotificationStored(notification_id=member_id, member_id=member_id, kind=kind,
                                     payload={"id": member_id, "kind": kind, "data": data})


def test_a_run_of_notifications_is_pushed_in_one_call_and_a_lone_one_alone():
    push = BatchPush()
    deps = {"jobs": FakeJobs(), "push": push, "settings": Settings(max_waves=2),
            "hops": NoHops()}
    dispatcher = Dispatcher(bind(handlers.EVENT_HANDLERS, deps),
                            batch=bind(handlers.BATCH_HANDLERS, deps))
    batch = [_note(1, "ask.offered", 9), _note(2, "ask.offered", 9),
             events.AskPosted(ask_id=9), _note(3),
             events.NotificationStored(notification_id=4, member_id=4, kind="nudge"),
             _note(5)]
    done = dispatcher.dispatch(batch)
    assert push.calls == [("push_many", [(1, "ask.offered"), (2, "ask.offered")]),
                          ("push_many", [(3, "nudge"), (5, "nudge")])]
    assert done == batch
    lone = [_note(6)]
    assert dispatcher.dispatch(lone) == lone
    assert push.calls[-1] == ("push", 6, "nudge")


def test_a_failing_batch_handler_leaves_the_run_undispatched(caplog):
    class Down(BatchPush):
        def push_many(self, pushes):
            raise ConnectionError("redis away")
    deps = {"jobs": FakeJobs(), "push": Down(), "settings": Settings(max_waves=2),
            "hops": NoHops()}
    dispatcher = Dispatcher(bind(handlers.EVENT_HANDLERS, deps),
                            batch=bind(handlers.BATCH_HANDLERS, deps))
    with caplog.at_level(logging.ERROR):
        assert dispatcher.dispatch([_note(1), _note(2)]) == []
    assert "push_notifications failed for 2 NotificationStored events" in caplog.text


def test_every_batch_handler_kind_also_has_single_handlers():
    for kind, funcs in handlers.BATCH_HANDLERS.items():
        assert handlers.EVENT_HANDLERS.get(kind)
        for func in funcs:
            assert func.__module__ == "exchange.handlers"


def test_a_member_seen_online_gets_the_push_job_planned_after_the_delay():
    """As the job's own ``Later`` would (same id, ``late``), without a job run to find out."""
    dispatcher, jobs, _ = _bound()
    stored = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    dispatcher.run(events.OffPageDue(notification_id=9, member_id=3, kind="ask.offered",
                                     created_at=stored.isoformat(), email=False, push=True,
                                     online=True))
    late = datetime(2030, 1, 1, 12, 2, tzinfo=UTC)
    assert jobs.calls == [("at", late, handlers.PUSH_NOTE, (9, True),
                           f"push-n9-at{int(late.timestamp())}", "push")]


def test_a_waves_off_page_jobs_go_to_the_queue_in_one_call():
    class Batches(FakeJobs):
        def enqueue_many(self, jobs):
            self.calls.append(("many", [job.job_id for job in jobs]))
    jobs = Batches()
    deps = {"jobs": jobs, "push": FakePush(), "settings": Settings(max_waves=2),
            "hops": NoHops()}
    dispatcher = Dispatcher(bind(handlers.EVENT_HANDLERS, deps),
                            batch=bind(handlers.BATCH_HANDLERS, deps))
    stored = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    late = int(datetime(2030, 1, 1, 12, 2, tzinfo=UTC).timestamp())
    wave = [events.OffPageDue(notification_id=n, member_id=n, kind="ask.offered",
                              created_at=stored.isoformat(), email=True, push=True,
                              online=n == 2) for n in (1, 2)]
    assert dispatcher.dispatch(wave) == wave
    assert jobs.calls == [("many", ["push-n1", "mail-n1", f"push-n2-at{late}", "mail-n2"])]
