"""What one Web Push says, and sending it to every browser a member subscribed.

``push_message`` turns a stored notification into the payload the service worker shows:
``{"kind", "title", "body", "url", "tag", "notification_id"}`` (JSON, UTF-8). A lock screen
is public, so by default a push only names what happened, in the product's words, and links
to the ask; the words members wrote (an ask's title, a message, a thanks note) ride along only
for a member who chose ``push_details``. A moderator's reasons never do.

``STYLES`` gives each kind its urgency and lifetime (RFC 8030 ``Urgency`` and ``TTL``): an
offer is urgent and worth delivering only while its wave lasts; messages are normal; reminders
and nudges can wait for a convenient moment. Pushes about one ask share a ``topic`` (the push
service keeps only the newest undelivered one) and a ``tag`` (the device shows only the newest).

``deliver`` sends one message to each of the member's subscriptions and forgets those the push
service says are gone (404/410). It returns how many accepted it, and raises
``DeliveryDeferred`` only when none did and at least one may later — the caller retries then.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

from sqlalchemy import delete, update

from exchange.clock import utcnow
from exchange.config import Settings
from exchange.delivery import subscriptions
from exchange.delivery.models import PushSubscription
from exchange.members.models import Member
from exchange.notifications.models import Notification
from exchange.notifications.service import ask_id_of
from exchange.ports import DeliveryDeferred, DeliveryRefused, PushSender

log = logging.getLogger(__name__)

HOUR, DAY = 3600, 86400
SNIPPET = 100  # characters of a member's own words, at most


@dataclass(frozen=True)
class Style:
    urgency: str
    ttl: int | None  # seconds; None: the matching wave's length


STYLES: dict[str, Style] = {
    "ask.offered": Style("high", None),
    "ask.taken": Style("low", HOUR),
    "ask.accepted": Style("normal", DAY),
    "ask.withdrawn": Style("normal", DAY),
    "ask.cancelled": Style("normal", DAY),
    "ask.delivered": Style("normal", DAY),
    "ask.confirmed": Style("low", DAY),
    "ask.expired": Style("low", DAY),
    "ask.still_open": Style("low", DAY),
    "message.new": Style("normal", 12 * HOUR),
    "thanks.received": Style("low", 3 * DAY),
    "reminder": Style("low", 6 * HOUR),
    "nudge": Style("low", DAY),
    "mod.flagged": Style("normal", DAY),
    "mod.warning": Style("normal", 7 * DAY),
    "account.suspended": Style("normal", 7 * DAY),
    "ask.hidden": Style("normal", 7 * DAY),
    "offer.closed": Style("low", HOUR),
}

# kind → (title, body, body with the member's own words). Only the last may name anything a
# member wrote; {ask} is the ask's title, {who} and {said} a message's author and words.
WORDS: dict[str, tuple[str, str, str | None]] = {
    "ask.offered": ("Someone could use your help",
                    "An ask that fits what you know just came in. Passing is fine too.",
                    "“{ask}” · about {minutes} minutes. Passing is fine too."),
    "ask.taken": ("That ask found a helper",
                  "Someone else is on it. Thank you for being there.",
                  "“{ask}” has a helper now. Thank you for being there."),
    "ask.accepted": ("Someone is helping with your ask",
                     "A helper took your ask. You can talk it over on the exchange.",
                     "A helper took “{ask}”. You can talk it over on the exchange."),
    "ask.withdrawn": ("Your ask is open again",
                      "Your helper had to step back. Others will hear about it.",
                      "Your helper had to step back from “{ask}”. Others will hear about it."),
    "ask.cancelled": ("An ask was cancelled",
                      "An ask you were helping with was cancelled. Thank you for your time.",
                      "“{ask}” was cancelled. Thank you for your time."),
    "ask.delivered": ("Your helper says it's done",
                      "Confirm when you agree, and say thanks if you like.",
                      "“{ask}” is done, your helper says. Confirm when you agree."),
    "ask.confirmed": ("Your help is confirmed",
                      "The minutes are counted both ways. Thank you.",
                      "“{ask}” is confirmed. The minutes are counted both ways. Thank you."),
    "ask.expired": ("Your ask closed",
                    "It closed without a helper this time. That says nothing about you.",
                    "“{ask}” closed without a helper this time. That says nothing about you."),
    "ask.still_open": ("Your ask is still open",
                       "More people can see it now. Good asks sometimes take a little longer.",
                       "“{ask}” is still open, and more people can see it now."),
    "message.new": ("A new message",
                    "Someone wrote to you about an ask.",
                    "{who}: “{said}”"),
    "thanks.received": ("Someone thanked you",
                        "Someone sent thanks for your help. It's waiting on the exchange.",
                        "{who} thanked you: “{said}”"),
    "reminder": ("A gentle reminder", "{note}", "“{ask}”: {note}"),
    "nudge": ("A small suggestion", "{note}", "“{ask}”: {note}"),
    "mod.flagged": ("The review queue changed",
                    "Something is waiting for a moderator's look.", None),
    "mod.warning": ("A note from the moderators",
                    "There's a note for you on the exchange.", None),
    "account.suspended": ("A note about your account",
                          "There's a note about your account on the exchange.", None),
    "ask.hidden": ("A note about one of your asks",
                   "A moderator paused one of your asks. The exchange says why.", None),
    "offer.closed": ("That ask has closed",
                     "An ask you were offered doesn't need a helper any more. Thank you for "
                     "looking.", None),
}

assert set(STYLES) == set(WORDS), "every kind has a style and words"


@dataclass(frozen=True)
class PushMessage:
    payload: bytes
    ttl: int
    urgency: str
    topic: str | None


def push_message(note: Notification, member: Member, settings: Settings) -> PushMessage:
    """The push for ``note`` to ``member`` (their ``push_details`` choice decides the words)."""
    title, body = words(note.kind, note.data or {}, details=bool(member.push_details))
    ask_id = note.ask_id or ask_id_of(note.data or {})
    payload = {"kind": note.kind, "title": title, "body": body,
               "url": settings.link(_path(note.kind, ask_id)),
               "tag": _tag(note, ask_id), "notification_id": note.id}
    style = STYLES[note.kind]
    ttl = style.ttl if style.ttl is not None else settings.wave_seconds
    return PushMessage(payload=json.dumps(payload, ensure_ascii=False).encode(),
                       ttl=ttl, urgency=style.urgency, topic=_topic(note.kind, ask_id))


def words(kind: str, data: dict, *, details: bool) -> tuple[str, str]:
    title, plain, detailed = WORDS[kind]
    values = _values(data)
    if details and detailed:
        try:
            return title, detailed.format_map(values)
        except KeyError:  # this note lacks what the detailed words name
            pass
    try:
        return title, plain.format_map(values)
    except KeyError:
        return title, "There's something new for you on the exchange."


def _values(data: dict) -> dict:
    """The fields the words may use, each present only when the note carries it."""
    values = {}
    ask = data.get("ask") if isinstance(data.get("ask"), dict) else {}
    if ask.get("title"):
        values["ask"] = _short(ask["title"])
        values["minutes"] = ask.get("minutes", "?")
    message = data.get("message")
    if isinstance(message, dict) and message.get("body"):
        values["said"] = _short(message["body"])
        values["who"] = _short((message.get("author") or {}).get("display_name") or "Someone")
    elif isinstance(message, str) and message:
        values["note"] = message  # our own words (reminders, nudges), never a member's
    thanks = data.get("thanks")
    if isinstance(thanks, dict) and thanks.get("message"):
        values["said"] = _short(thanks["message"])
        values["who"] = _short((thanks.get("from") or {}).get("display_name") or "Someone")
    return values


def _short(text: str) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= SNIPPET else text[:SNIPPET - 1].rstrip() + "…"


def _path(kind: str, ask_id: int | None) -> str:
    if kind == "mod.flagged":
        return "/moderate"
    if kind == "offer.closed":  # nothing to do there (and a hidden ask is not shown)
        return "/home"
    return f"/asks/{ask_id}" if ask_id else "/home"


def _tag(note: Notification, ask_id: int | None) -> str:
    if note.kind == "mod.flagged":
        return "review-queue"
    return f"ask-{ask_id}" if ask_id else f"note-{note.id}"


def _topic(kind: str, ask_id: int | None) -> str | None:
    if kind == "mod.flagged":
        return "review-queue"
    return f"ask-{ask_id}" if ask_id else None


def deliver(session, sender: PushSender, member_id: int, message: PushMessage) -> int:
    """Send ``message`` to each of the member's browsers; how many push services took it."""
    accepted, gone, deferred = [], [], []
    for row in subscriptions.list_for(session, member_id):
        try:
            ok = sender.send(subscriptions.as_info(row), message.payload, ttl=message.ttl,
                             urgency=message.urgency, topic=message.topic)
        except DeliveryDeferred as err:
            deferred.append(err)
            continue
        except DeliveryRefused as err:  # kept: a page visit re-subscribes a browser (rotation)
            log.warning("push to subscription %s refused: %s", row.id, err)
            continue
        (accepted if ok else gone).append(row.id)
    _record(session, accepted, gone)
    if not accepted and deferred:
        raise deferred[0]
    return len(accepted)


def _record(session, accepted: list[int], gone: list[int]) -> None:
    if gone:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone))
                        .execution_options(synchronize_session="fetch"))
    if accepted:
        session.execute(update(PushSubscription).where(PushSubscription.id.in_(accepted))
                        .values(last_sent_at=utcnow())
                        .execution_options(synchronize_session="fetch"))
    session.flush()
