"""What can be flagged: an ask, a message or a member — found, checked, shown, hidden.

``access_target`` finds a target as the actor may see it (404 otherwise, the same as the rest
of the API) and returns it with its author, the member any action on it lands on.
"""

from __future__ import annotations

from exchange.asks.models import Ask
from exchange.asks.schemas import dump_ask
from exchange.asks.service import access_ask
from exchange.conversation.models import Message
from exchange.conversation.service import message_payload
from exchange.errors import NotFound
from exchange.members import service as members
from exchange.members.models import Member
from exchange.policy import can


def _message(session, actor, message_id: int) -> Message:
    msg = session.get(Message, message_id)
    if msg is None or msg.hidden and not can(actor, "see_hidden"):
        raise NotFound("No such message.")
    ask = access_ask(session, actor=actor, ask_id=msg.ask_id)
    if actor.id not in (ask.author_id, ask.helper_id) and not can(actor, "read_conversation"):
        raise NotFound("No such message.")
    return msg


def _member(session, actor, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("No member with that id.")
    return members.access_member(session, actor=actor, handle=member.handle)


def access_target(session, *, actor, target_type: str, target_id: int):
    """(target, author) if the actor may see the target; NotFound otherwise."""
    if target_type == "ask":
        ask = access_ask(session, actor=actor, ask_id=target_id)
        return ask, ask.author
    if target_type == "message":
        msg = _message(session, actor, target_id)
        return msg, msg.author
    member = _member(session, actor, target_id)
    return member, member


def load(session, target_type: str, target_id: int):
    """The target row regardless of who looks (moderators' side); None if gone."""
    model = {"ask": Ask, "message": Message, "member": Member}[target_type]
    return session.get(model, target_id)


def set_hidden(target, hidden: bool) -> bool:
    """Hide or show the target; True if that changed anything."""
    if target.hidden == hidden:
        return False
    target.hidden = hidden
    return True


def member_json(member: Member) -> dict:
    return {"id": member.id, "handle": member.handle, "display_name": member.display_name,
            "bio": member.bio, "role": member.role, "status": member.status,
            "hidden": member.hidden, "created_at": member.created_at.isoformat()}


def as_json(target_type: str, target) -> dict | None:
    if target is None:
        return None
    if target_type == "ask":
        return dump_ask(target)
    if target_type == "message":
        return {**message_payload(target), "hidden": target.hidden}
    return member_json(target)
