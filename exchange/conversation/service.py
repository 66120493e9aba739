"""An ask's conversation: only the asker and the helper write; moderators may read.

Before a helper is matched there is nobody to talk to, so posting waits for a match. A block
between the two closes the conversation for writing.
"""

from __future__ import annotations

from sqlalchemy import select

from exchange.asks.service import access_ask
from exchange.clock import utcnow
from exchange.conversation.models import Message
from exchange.errors import Conflict, Forbidden
from exchange.members.service import is_blocked_between, require_active
from exchange.notifications.service import notify
from exchange.policy import can


def message_payload(msg: Message) -> dict:
    return {"id": msg.id, "ask_id": msg.ask_id, "body": msg.body,
            "author": {"handle": msg.author.handle, "display_name": msg.author.display_name},
            "created_at": msg.created_at.isoformat()}


def _participants(ask) -> set[int]:
    return {m for m in (ask.author_id, ask.helper_id) if m is not None}


def list_messages(session, *, actor, ask_id: int) -> list[Message]:
    ask = access_ask(session, actor=actor, ask_id=ask_id)
    if actor.id not in _participants(ask) and not can(actor, "read_conversation"):
        raise Forbidden("This conversation is between the asker and the helper.",
                        code="not_participant")
    query = select(Message).where(Message.ask_id == ask.id, Message.hidden.is_(False))
    return list(session.scalars(query.order_by(Message.id)))


def post_message(uow, *, actor, ask_id: int, body: str) -> Message:
    require_active(actor)
    s = uow.session
    ask = access_ask(s, actor=actor, ask_id=ask_id)
    if actor.id not in _participants(ask):
        raise Forbidden("This conversation is between the asker and the helper.",
                        code="not_participant")
    if ask.helper_id is None:
        raise Conflict("The conversation opens once a helper takes the ask.", code="no_helper")
    other = ask.helper_id if actor.id == ask.author_id else ask.author_id
    if is_blocked_between(s, actor.id, other):
        raise Forbidden("This conversation is closed.", code="blocked")
    msg = Message(ask_id=ask.id, author_id=actor.id, body=body, created_at=utcnow())
    s.add(msg)
    uow.flush()
    s.refresh(msg)
    notify(uow, member_id=other, kind="message.new",
           data={"ask_id": ask.id, "message": message_payload(msg)})
    return msg
