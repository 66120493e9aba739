"""Acting from the inbox without signing in: an offer's "I can help" / "Not this time", and
one-click unsubscribe.

An offer link's token (``exchange.delivery.links.offer``) names the member, the ask and the
action; it is single-use — its nonce goes into ``used_tokens`` in the same transaction as the
accept or pass, so a second click finds it spent (and a failed action spends nothing). The
action is exactly the API's: ``accept_ask`` with its race, capacity and block rules, or
``pass_ask``. Showing the page reads the token and the ask but changes nothing; only the
page's POST acts, so a mail scanner that follows links does no harm.

An unsubscribe token names the member and the kinds the email was about; it switches their
``email`` channel off (``digest`` turns the digest off) and may be used any number of times.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from exchange import tokens
from exchange.asks import service as asks
from exchange.asks.models import Ask
from exchange.delivery.models import UsedToken
from exchange.errors import Conflict, InvalidInput
from exchange.members.models import Member
from exchange.notifications import preferences

ACTIONS = ("accept", "pass")


@dataclass(frozen=True)
class OfferLink:
    member: Member
    ask: Ask
    action: str
    nonce: str


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, code="token_invalid", fields={"token": [message]})


def read_offer(session, *, settings, token: str, action: str) -> OfferLink:
    """What an offer link is for, without acting; ``InvalidInput`` for a bad or spent link."""
    payload = tokens.read(settings.verifying_keys, "offer", token)
    if payload.get("act") != action or action not in ACTIONS:
        raise _invalid("This link is for something else. Please use the button in the email.")
    member = session.get(Member, payload.get("m")) if isinstance(payload.get("m"), int) else None
    ask = session.get(Ask, payload.get("a")) if isinstance(payload.get("a"), int) else None
    if member is None or member.status == "deleted" or ask is None:
        raise _invalid("This ask or account is no longer here.")
    if session.get(UsedToken, str(payload.get("n"))) is not None:
        raise Conflict("You've used this link already — nothing more to do.", code="token_used")
    return OfferLink(member=member, ask=ask, action=action, nonce=str(payload.get("n")))


def act_on_offer(uow, *, settings, token: str, action: str) -> OfferLink:
    """Accept or pass as the link's member; raises the API's own errors when that fails."""
    link = read_offer(uow.session, settings=settings, token=token, action=action)
    try:
        with uow.session.begin_nested():
            uow.session.add(UsedToken(nonce=link.nonce))
    except IntegrityError:
        raise Conflict("You've used this link already — nothing more to do.",
                       code="token_used") from None
    if action == "accept":
        asks.accept_ask(uow, actor=link.member, ask_id=link.ask.id)
    else:
        asks.pass_ask(uow, actor=link.member, ask_id=link.ask.id)
    return link


@dataclass(frozen=True)
class Unsubscribed:
    member: Member
    kinds: list[str]


def read_unsubscribe(session, *, settings, token: str) -> Unsubscribed:
    payload = tokens.read(settings.verifying_keys, "unsubscribe", token)
    member_id, kinds = payload.get("m"), payload.get("k")
    member = session.get(Member, member_id) if isinstance(member_id, int) else None
    if member is None or member.status == "deleted" or not isinstance(kinds, list):
        raise _invalid("This link is not valid any more.")
    known = [k for k in kinds if k == "digest" or (k in preferences.DEFAULTS
                                                    and k not in preferences.ALWAYS)]
    return Unsubscribed(member=member, kinds=known)


def unsubscribe(uow, *, settings, token: str) -> Unsubscribed:
    """Switch email off for the link's kinds (idempotent; no session needed)."""
    found = read_unsubscribe(uow.session, settings=settings, token=token)
    for kind in found.kinds:
        if kind == "digest":
            found.member.digest = "off"
        else:
            preferences.choose(uow.session, found.member.id, kind, email=False)
    uow.flush()
    return found
