"""Pages reached from an email, usable without signing in: act on an offer, unsubscribe.

Each GET only shows what the link is for and one button; the button's POST acts
(``exchange.delivery.inbox``). Link scanners that fetch every URL in a message therefore change
nothing. The forms carry the CSRF token for members who happen to be signed in; a mail
provider's one-click unsubscribe (RFC 8058: ``POST`` with ``List-Unsubscribe=One-Click``)
comes without a session and needs none. Every outcome, good or not, is a page in the
product's voice — never an error code.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_wtf.csrf import generate_csrf

from exchange.delivery import inbox
from exchange.errors import DomainError
from exchange.notifications.preferences import LABELS
from web.state import state, uow

bp = Blueprint("inbox", __name__)

OUTCOMES = {
    "ask_taken": "Someone else got there just before you — thank you for offering. There will "
                 "be other asks you can help with.",
    "wrong_state": "This ask doesn't need a helper any more. Thank you for offering.",
    "at_capacity": None,  # the service's own words say what to do
    "token_used": None,
}


def _token() -> str:
    return request.values.get("token", "")


def _page(template: str, status: int = 200, **context):
    return render_template(template, csrf_token=generate_csrf(), token=_token(),
                           **context), status


def offer(action: str):
    try:
        link = inbox.read_offer(uow().session, settings=state().settings, token=_token(),
                                action=action)
    except DomainError as err:
        return _page("offer.html", 200, action=action, problem=err.message)
    return _page("offer.html", action=action, link=link)


def act(action: str):
    unit = uow()
    try:
        link = inbox.act_on_offer(unit, settings=state().settings, token=_token(),
                                  action=action)
    except DomainError as err:
        if getattr(err, "persist", False):
            unit.commit()  # the "taken" note for a helper who lost the race, as in the API
        else:
            unit.rollback()
        return _page("offer.html", action=action, problem=OUTCOMES.get(err.code) or err.message)
    unit.commit()
    return _page("offer.html", action=action, link=link, done=True)


for _action in inbox.ACTIONS:
    bp.add_url_rule(f"/offer/{_action}", f"offer_{_action}", offer, methods=["GET"],
                    defaults={"action": _action})
    bp.add_url_rule(f"/offer/{_action}", f"act_{_action}", act, methods=["POST"],
                    defaults={"action": _action})


@bp.route("/unsubscribe", methods=["GET"])
def unsubscribe_page():
    try:
        found = inbox.read_unsubscribe(uow().session, settings=state().settings, token=_token())
    except DomainError as err:
        return _page("unsubscribe.html", problem=err.message)
    return _page("unsubscribe.html", kinds=[LABELS[k] for k in found.kinds])


@bp.route("/unsubscribe", methods=["POST"])
def unsubscribe():
    unit = uow()
    try:
        found = inbox.unsubscribe(unit, settings=state().settings, token=_token())
    except DomainError as err:
        unit.rollback()
        return _page("unsubscribe.html", problem=err.message)
    unit.commit()
    return _page("unsubscribe.html", kinds=[LABELS[k] for k in found.kinds], done=True)
