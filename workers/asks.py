"""Ask housekeeping jobs: expire an ask whose time has passed, auto-confirm a delivered one."""

from __future__ import annotations

from exchange.asks import service as asks
from exchange.asks.models import Ask
from exchange.clock import utcnow
from exchange.reminders.occasions import AUTO_CONFIRM_AFTER
from workers.runtime import runtime


def expire_ask(ask_id: int) -> str | None:
    with runtime().unit_of_work() as uow:
        ask = uow.session.get(Ask, ask_id)
        if ask is None or ask.status != "open" or ask.expires_at > utcnow():
            return None
        ask = asks.expire_ask(uow, ask_id=ask_id)
        uow.commit()
        return ask.status


def auto_confirm(ask_id: int) -> str | None:
    with runtime().unit_of_work() as uow:
        ask = uow.session.get(Ask, ask_id)
        if ask is None or ask.status != "delivered":
            return None
        if ask.delivered_at + AUTO_CONFIRM_AFTER > utcnow():
            return None
        ask = asks.confirm_ask(uow, actor=None, ask_id=ask_id, auto=True)
        uow.commit()
        return ask.status
