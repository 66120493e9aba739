"""Account-wide operations that span features: export everything, delete an account.

Deleting keeps the ledger balanced: entries and transfers stay, pointing at the member's row,
which becomes a tombstone (``members.service.erase``). Open asks are cancelled and asks the
member was helping with are handed back (withdrawn), so nobody waits on a deleted account.
"""

from __future__ import annotations

from sqlalchemy import select

from exchange import policy
from exchange.asks import service as asks
from exchange.asks.models import Ask, Thanks
from exchange.asks.schemas import dump_ask
from exchange.conversation.models import Message
from exchange.ledger import service as ledger
from exchange.ledger.models import Entry
from exchange.members import service as members
from exchange.members.schemas import MemberSelfSchema
from exchange.moderation import sanctions
from exchange.notifications.models import Notification
from exchange.notifications.service import as_payload


def export(session, *, actor) -> dict:
    asked = session.scalars(select(Ask).where(Ask.author_id == actor.id).order_by(Ask.id))
    helped = session.scalars(select(Ask).where(Ask.helper_id == actor.id).order_by(Ask.id))
    msgs = session.scalars(select(Message).where(Message.author_id == actor.id)
                           .order_by(Message.id))
    entries = session.scalars(select(Entry).where(Entry.member_id == actor.id).order_by(Entry.id))
    thanks = session.scalars(select(Thanks).where(
        (Thanks.author_id == actor.id) | (Thanks.helper_id == actor.id)).order_by(Thanks.id))
    notes = session.scalars(select(Notification).where(Notification.member_id == actor.id)
                            .order_by(Notification.id))
    return {
        "profile": MemberSelfSchema().dump(actor),
        "totals": ledger.totals(session, actor.id),
        "asks": [dump_ask(a) for a in asked],
        "helped": [dump_ask(a) for a in helped],
        "messages": [{"id": m.id, "ask_id": m.ask_id, "body": m.body,
                      "created_at": m.created_at.isoformat()} for m in msgs],
        "ledger": [{"id": e.id, "transfer_id": e.transfer_id, "amount": e.amount,
                    "created_at": e.created_at.isoformat()} for e in entries],
        "thanks": [{"ask_id": t.ask_id, "given": t.author_id == actor.id, "message": t.message,
                    "impact": t.impact, "created_at": t.created_at.isoformat()} for t in thanks],
        "blocked": members.blocked_handles(session, actor),
        "notifications": [as_payload(n) for n in notes],
    }


def delete_account(uow, *, actor) -> None:
    # Refused while suspended like every other write; checked up front, since otherwise only
    # a member with open asks would be refused (by cancel_ask) and one without would not.
    members.require_active(actor)
    s = uow.session
    policy.require(actor, "leave", policy.RoleChange(member=actor, role="deleted",
                                                     admins=sanctions.admin_count(s)))
    for ask in s.scalars(select(Ask).where(Ask.author_id == actor.id,
                                           Ask.status.in_(("open", "matched")))):
        asks.cancel_ask(uow, actor=actor, ask_id=ask.id)
    for ask in s.scalars(select(Ask).where(Ask.helper_id == actor.id, Ask.status == "matched")):
        asks.withdraw_ask(uow, actor=actor, ask_id=ask.id)
    members.erase(uow, actor=actor)
