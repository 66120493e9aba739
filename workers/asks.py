"""Ask housekeeping jobs: expire an ask whose time has passed, auto-confirm a delivered one.

Each is a shell: the guard (still in that state? due yet?) lives in the asks service."""

from __future__ import annotations

from exchange.asks import service as asks
from workers.runtime import runtime


def expire_ask(ask_id: int) -> str | None:
    with runtime().unit_of_work() as uow:
        ask = asks.expire_ask(uow, ask_id=ask_id)
        uow.commit()
        return ask.status if ask is not None else None


def auto_confirm(ask_id: int) -> str | None:
    with runtime().unit_of_work() as uow:
        ask = asks.auto_confirm_ask(uow, ask_id=ask_id)
        uow.commit()
        return ask.status if ask is not None else None
