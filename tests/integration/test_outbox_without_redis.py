"""A process without Redis (``exchange demo`` before the first ``exchange serve``, a bare app)
has no handlers: what it commits must wait in the outbox for a worker, not be marked sent."""

from __future__ import annotations

from sqlalchemy import select

from exchange.asks import service as asks
from exchange.members.models import Member
from exchange.outbox import service as outbox
from exchange.outbox.models import OutboxMessage
from tests.integration.support import add_members


def test_durable_events_committed_without_handlers_stay_pending(make_uow):
    (author,) = add_members(make_uow, 1)
    with make_uow() as uow:
        asks.post_ask(uow, actor=uow.session.get(Member, author),
                      data={"title": "Help me name my cat", "minutes": 10})
        uow.commit()
    with make_uow() as uow:
        assert outbox.pending_count(uow.session) == 1


def test_the_reconciler_leaves_them_pending_until_a_process_can_handle_them(make_uow, db,
                                                                             dispatcher):
    (author,) = add_members(make_uow, 1)
    with make_uow() as uow:
        asks.post_ask(uow, actor=uow.session.get(Member, author),
                      data={"title": "Help me name my cat", "minutes": 10})
        uow.commit()
    assert outbox.relay(db, dispatcher, min_age_seconds=0) == 0
    with make_uow() as uow:
        assert outbox.pending_count(uow.session) == 1
        row = uow.session.scalar(select(OutboxMessage))
        assert (row.attempts, row.last_error) == (0, None)  # not counted as a failure
