"""Gratitude closes the loop: the asker thanks the helper once, after confirming."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exchange.asks.models import Thanks
from exchange.asks.schemas import thanks_payload
from exchange.asks.service import access_ask
from exchange.clock import utcnow
from exchange.errors import Conflict, Forbidden
from exchange.members.service import require_active
from exchange.notifications.service import notify


def send_thanks(uow, *, actor, ask_id: int, message: str, impact: str = "") -> Thanks:
    require_active(actor)
    s = uow.session
    ask = access_ask(s, actor=actor, ask_id=ask_id)
    if ask.author_id != actor.id:
        raise Forbidden("Only the person who asked can send thanks for it.", code="not_author")
    if ask.status != "confirmed":
        raise Conflict("Thanks can be sent once the help is confirmed.", code="wrong_state")
    if s.scalar(select(Thanks).where(Thanks.ask_id == ask.id)) is not None:
        raise Conflict("You've already sent thanks for this one.", code="already_thanked")
    thanks = Thanks(ask_id=ask.id, author_id=actor.id, helper_id=ask.helper_id,
                    message=message.strip(), impact=impact.strip(), created_at=utcnow())
    try:
        with s.begin_nested():
            s.add(thanks)
    except IntegrityError:
        raise Conflict("You've already sent thanks for this one.", code="already_thanked") from None
    notify(uow, member_id=ask.helper_id, kind="thanks.received",
           data={"ask_id": ask.id, "ask_title": ask.title,
                 "thanks": thanks_payload(thanks, author=actor)})
    return thanks


def thanks_for_helper(session, helper_id: int, limit: int = 20) -> list[Thanks]:
    return list(session.scalars(select(Thanks).where(Thanks.helper_id == helper_id)
                                .order_by(Thanks.id.desc()).limit(limit)))

