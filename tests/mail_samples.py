"""Sample notifications and contexts for the mail tests, shaped as the exchange really shapes
them: every ``data`` below passes ``exchange.payloads.validate`` for its kind (a test checks),
and the asks are what ``dump_ask`` returns (ISO strings for times, as stored in JSON)."""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, datetime

from exchange.config import Settings
from exchange.mail.compose import Letter, render

BASE = "https://exchange.example.org"
SETTINGS = Settings(env="test", base_url=BASE, mail_from="The exchange <hello@example.org>")
SCRIPT = "<script>alert('hi')</script> help me move a sofa"
CREATED = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

ASK = {
    "id": 42, "title": "A second pair of eyes on one paragraph",
    "details": "It's the opening of my cover letter.\nAbout 150 words, due Friday.",
    "tags": ["writing"], "minutes": 15, "actual_minutes": None,
    "window_start": "2026-12-10T13:00:00+00:00", "window_end": "2026-12-10T14:30:00+00:00",
    "mode": "online", "area": None, "status": "open", "hidden": False,
    "auto_confirmed": False, "author": {"handle": "sam", "display_name": "Sam Rivera"},
    "helper": None, "coaching": [], "thanks": None, "created_at": "2026-12-03T08:00:00+00:00",
    "updated_at": "2026-12-03T08:00:00+00:00", "matched_at": None, "delivered_at": None,
    "closed_at": None,
}
HELPER = {"handle": "ada", "display_name": "Ada Okafor"}


def ask(**changes) -> dict:
    return {**deepcopy(ASK), **changes}


MATCHED = {"status": "matched", "helper": HELPER, "matched_at": "2026-12-03T08:05:00+00:00"}

# One sample per (kind, variant): the kind, its data, and the ask as it is now.
SAMPLES: dict[str, tuple[str, dict, dict | None]] = {
    "ask.offered": ("ask.offered", {"ask": ask(), "wave": 1, "reasons": [
        "you know `writing`", "you're free Thursday", "you're online now"]}, ask()),
    "ask.taken": ("ask.taken", {"ask": ask(**MATCHED)}, ask(**MATCHED)),
    "ask.accepted": ("ask.accepted", {"ask": ask(**MATCHED)}, ask(**MATCHED)),
    "ask.withdrawn": ("ask.withdrawn", {"ask": ask()}, ask()),
    "ask.cancelled": ("ask.cancelled", {"ask": ask(status="cancelled", helper=HELPER)},
                      ask(status="cancelled", helper=HELPER)),
    "ask.delivered": ("ask.delivered", {"ask": ask(**MATCHED)},
                      ask(**{**MATCHED, "status": "delivered"})),
    "ask.confirmed": ("ask.confirmed", {"ask": ask(**MATCHED), "minutes": 20},
                      ask(**MATCHED)),
    "ask.expired": ("ask.expired", {"ask": ask(status="expired"), "message": (
        "The time for this ask has passed, so we've closed it for you. If you could still "
        "use a hand, you're very welcome to post it again.")}, ask(status="expired")),
    "ask.still_open": ("ask.still_open", {"ask": ask(), "message": (
        "Your ask is still open and now shows to everyone who could help.")}, ask()),
    "message.new": ("message.new", {"ask_id": 42, "message": {
        "id": 9, "ask_id": 42, "author": HELPER, "body": "Happy to!\nSend it over when ready.",
        "created_at": "2026-12-03T08:06:00+00:00"}}, ask(**MATCHED)),
    "thanks.received": ("thanks.received", {"ask_id": 42, "ask_title": ask()["title"], "thanks": {
        "id": 3, "ask_id": 42, "message": "Thank you, that was exactly what it needed.",
        "impact": "I sent it off the same evening and got an interview.",
        "created_at": "2026-12-04T08:00:00+00:00", "from": ask()["author"]}},
        ask(**{**MATCHED, "status": "confirmed"})),
    "nudge.pay_it_forward": ("nudge", {"nudge": "pay_it_forward", "ask": ask(), "message": (
        "Someone is asking for help you could give, a chance to pass it on.")}, ask()),
    "nudge.try_small_ask": ("nudge", {"nudge": "try_small_ask", "message": (
        "You've given a lot of time here, thank you. Is there something small you could use "
        "a hand with?")}, None),
    "mod.flagged": ("mod.flagged", {"target_type": "ask", "target_id": 42, "weight": 3,
                                    "hidden": True}, None),
    "mod.warning.hidden": ("mod.warning", {
        "action": "hidden_pending_review", "target_type": "message", "target_id": 9,
        "message": "Some members flagged this, so it is hidden for now."}, None),
    "mod.warning.warned": ("mod.warning", {
        "action": "warned", "reason": "Please keep messages about the ask.",
        "message": "A moderator asked us to pass this on."}, None),
    "account.suspended": ("account.suspended", {
        "until": "2026-12-10T08:00:00+00:00", "reason": "Repeated off-topic asks.",
        "message": "Your account is paused for a while."}, None),
    "ask.hidden": ("ask.hidden", {"ask": ask(hidden=True), "reason": "Looks like an advert.",
                                  "message": "A moderator has hidden your ask for now."},
                   ask(hidden=True)),
    "offer.closed.cancelled": ("offer.closed", {"ask_id": 42, "why": "cancelled",
                                                "title": ASK["title"]}, ask(status="cancelled")),
    "offer.closed.hidden": ("offer.closed", {"ask_id": 42, "why": "hidden", "title": None},
                            ask(hidden=True)),
}
for _key in ("window-24h", "window-1h", "confirm", "thanks", "followup"):
    SAMPLES[f"reminder.{_key}"] = ("reminder", {"reminder": _key, "ask": ask(**MATCHED),
                                                "message": "A gentle reminder."}, ask(**MATCHED))


def links(*, offer: bool = False, ask_id: int | None = 42) -> dict:
    return {"ask": f"{BASE}/asks/{ask_id}" if ask_id else None, "home": f"{BASE}/home",
            "settings": f"{BASE}/settings",
            "accept": f"{BASE}/offers/accept?token=yes-token" if offer else None,
            "pass": f"{BASE}/offers/pass?token=no-token" if offer else None}


def note(kind: str, data: dict, created_at: datetime = CREATED) -> dict:
    return {"kind": kind, "data": data, "created_at": created_at}


def member(timezone: str | None = "Europe/Berlin") -> dict:
    found = {"display_name": "Ada Okafor", "handle": "ada"}
    return {**found, "timezone": timezone} if timezone else found


def notifications_context(sample: str, **overrides) -> dict:
    kind, data, now = deepcopy(SAMPLES[sample])
    has_ask = now is not None or "ask" in data or "ask_id" in data
    context = {"member": member(), "notes": [note(kind, data)], "ask": now,
               "links": links(offer=kind == "ask.offered", ask_id=42 if has_ask else None)}
    return {**context, **overrides}


def digest_context(count: int = 3, period: str = "weekly") -> dict:
    asks = [ask(id=100 + i, title=f"Ask number {i}: talk through a decision",
                tags=["decisions"], minutes=15 + i) for i in range(count)]
    return {"member": member(), "period": period, "asks": asks,
            "links": {"home": f"{BASE}/home", "settings": f"{BASE}/settings",
                      "asks": {a["id"]: f"{BASE}/asks/{a['id']}" for a in asks}}}


def rendered(context: dict, template: str = "notifications"):
    """The message ``compose.render`` makes of ``context``, its text part and its HTML part."""
    message = render(Letter(to="ada@example.org", template=template, context=context,
                            message_id="n1-email@example.org"), SETTINGS)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return message, text, html
