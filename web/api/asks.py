"""Asks: post, list, read, the transitions, thanks and the conversation."""

from __future__ import annotations

from flask import g, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from exchange.asks import queries
from exchange.asks import service as asks
from exchange.asks.coaching import coach
from exchange.asks.expectation import outlook
from exchange.asks.schemas import (
    AskCreateSchema,
    AskPageSchema,
    AskQuerySchema,
    AskSchema,
    ConfirmSchema,
    DraftCoachingSchema,
    DraftQuerySchema,
    ExpectationQuerySchema,
    ExpectationSchema,
    MessageCreateSchema,
    MessageListSchema,
    MessageSchema,
    ThanksCreateSchema,
    ThanksSchema,
    dump_ask,
)
from exchange.asks.thanks import send_thanks
from exchange.clock import utcnow
from exchange.conversation import service as conversation
from web.auth import current_member
from web.state import state, uow

PREFIX = "/asks"
blp = Blueprint("asks", __name__, description="Asks for help and their life")
ASK = "<int(min=1, max=2147483647):ask_id>"


@blp.route("")
class Asks(MethodView):
    @blp.arguments(AskQuerySchema, location="query")
    @blp.response(200, AskPageSchema)
    def get(self, query):
        items, nxt = queries.page(uow().session, actor=current_member(), **query)
        # Dumped by hand (``dump_ask``, equal to the documented ``AskPageSchema``'s dump): a
        # Response returned here is sent as it is.
        return jsonify({"items": [dump_ask(ask) for ask in items], "next_cursor": nxt})

    @blp.arguments(AskCreateSchema)
    @blp.response(201, AskSchema)
    def post(self, data):
        unit = uow()
        ask = asks.post_ask(unit, actor=current_member(), data=data)
        unit.commit()
        state().hops.mark(ask.id, "received", at=g.received_at)
        return ask


@blp.route("/coaching")
@blp.arguments(DraftQuerySchema, location="query")
@blp.response(200, DraftCoachingSchema)
def draft_coaching(draft):
    """Kind hints for an ask while it is written, before anything is sent (nothing is kept)."""
    current_member()
    return {"hints": coach(draft["title"], draft["details"], minutes=draft.get("minutes"),
                           window_start=draft.get("window_start"),
                           window_end=draft.get("window_end"), tags=draft["tags"])}


@blp.route("/expectation")
@blp.arguments(ExpectationQuerySchema, location="query")
@blp.response(200, ExpectationSchema)
def expectation(query):
    """What is likely for an ask with these tags, from the community's recent figures."""
    member = current_member()
    return {"lines": outlook(uow().session, query["tags"], now=utcnow(), asker_id=member.id)}


@blp.route(f"/{ASK}")
class OneAsk(MethodView):
    @blp.response(200, AskSchema)
    def get(self, ask_id):
        return asks.access_ask(uow().session, actor=current_member(), ask_id=ask_id)


def _transition(service):
    def view(ask_id):
        unit = uow()
        ask = service(unit, actor=current_member(), ask_id=ask_id)
        unit.commit()
        return ask
    return view


for _name, _service in (("accept", asks.accept_ask), ("withdraw", asks.withdraw_ask),
                        ("cancel", asks.cancel_ask), ("deliver", asks.deliver_ask)):
    blp.route(f"/{ASK}/{_name}", methods=["POST"], endpoint=_name)(
        blp.response(200, AskSchema)(_transition(_service)))


@blp.route(f"/{ASK}/pass", methods=["POST"])
@blp.response(204)
def pass_(ask_id):
    """Not this time: the ask leaves your feed and is never offered to you again. Private."""
    unit = uow()
    asks.pass_ask(unit, actor=current_member(), ask_id=ask_id)
    unit.commit()


@blp.route(f"/{ASK}/confirm", methods=["POST"])
@blp.arguments(ConfirmSchema(), required=False)
@blp.response(200, AskSchema)
def confirm(data, ask_id):
    unit = uow()
    ask = asks.confirm_ask(unit, actor=current_member(), ask_id=ask_id,
                           minutes=(data or {}).get("minutes"))
    unit.commit()
    return ask


@blp.route(f"/{ASK}/thanks", methods=["POST"])
@blp.arguments(ThanksCreateSchema)
@blp.response(201, ThanksSchema)
def thanks(data, ask_id):
    unit = uow()
    result = send_thanks(unit, actor=current_member(), ask_id=ask_id, **data)
    unit.commit()
    return result


@blp.route(f"/{ASK}/messages")
class Messages(MethodView):
    @blp.response(200, MessageListSchema)
    def get(self, ask_id):
        items = conversation.list_messages(uow().session, actor=current_member(), ask_id=ask_id)
        return {"items": items}

    @blp.arguments(MessageCreateSchema)
    @blp.response(201, MessageSchema)
    def post(self, data, ask_id):
        unit = uow()
        msg = conversation.post_message(unit, actor=current_member(), ask_id=ask_id, **data)
        unit.commit()
        return msg
