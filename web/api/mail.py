"""One-click unsubscribe for mail clients and API clients: no session, the token decides.

``POST /mail/unsubscribe?token=…`` switches email off for the kinds the token names (RFC 8058:
mail providers POST ``List-Unsubscribe=One-Click`` as a form; any body or none is accepted).
The same as the ``/unsubscribe`` page's button.
"""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from exchange.delivery import inbox
from web.state import state, uow

PREFIX = "/mail"
blp = Blueprint("mail", __name__, description="Mail links that work without signing in")


class UnsubscribeQuerySchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=2048),
                          metadata={"description": "from the email's List-Unsubscribe link"})


@blp.route("/unsubscribe", methods=["POST"])
@blp.arguments(UnsubscribeQuerySchema, location="query")
@blp.response(204)
def unsubscribe(query):
    """Stop the emails a message was about (idempotent; the token never expires)."""
    unit = uow()
    inbox.unsubscribe(unit, settings=state().settings, token=query["token"])
    unit.commit()
