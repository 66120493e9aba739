"""The links a message carries, absolute (``EXCHANGE_BASE_URL``) and, where they act without a
session, signed (``exchange.tokens``).

An offer's "I can help" and "Not this time" each carry a token bound to the member, the ask
and the action, with a nonce that makes it single-use (``exchange.delivery.inbox``). The
unsubscribe link names the kinds the message was about and never expires.
"""

from __future__ import annotations

from urllib.parse import quote

from exchange import tokens


def ask(settings, ask_id: int) -> str:
    return settings.link(f"/asks/{ask_id}")


def home(settings) -> str:
    return settings.link("/home")


def notification_settings(settings) -> str:
    return settings.link("/profile#reach")


def offer(settings, *, member_id: int, ask_id: int, action: str) -> str:
    token = tokens.sign(settings.secret_key, "offer",
                        {"m": member_id, "a": ask_id, "act": action, "n": tokens.nonce()})
    return settings.link(f"/offer/{action}?token={quote(token)}")


def unsubscribe(settings, *, member_id: int, kinds: list[str]) -> str:
    token = tokens.sign(settings.secret_key, "unsubscribe", {"m": member_id, "k": sorted(kinds)})
    return settings.link(f"/unsubscribe?token={quote(token)}")
