"""What each kind of notification says in an email: one small function per kind.

Each returns a ``Note``: a subject (short, for the Subject line), a headline, plain paragraphs,
quoted member or moderator text, a few facts and the one thing the member can do next. The
``.txt`` and ``.html`` templates lay a ``Note`` out; neither holds any wording of its own, so
the two parts of a message always say the same thing.

The voice: say what happened and what the member can do, in plain words, warmly. A change of
plan is never anybody's failing; passing on an offer is always fine and private; a moderator's
decision is stated plainly with their reason, and what the member can still do.

Every string here is plain text. The HTML template escapes it, so member text (titles,
messages, thanks, reasons) is always shown as text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from exchange.mail.formats import duration, excerpt, listing, minutes, moment, oneline, shorten
from exchange.mail.formats import window as window_words

SUBJECT_TITLE = 48   # characters of an ask's title in a subject line
DETAILS = 600        # characters of an ask's details in an offer


@dataclass(frozen=True)
class Quote:
    text: str
    label: str = ""


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    primary: bool = True


@dataclass(frozen=True)
class Note:
    kind: str
    subject: str
    headline: str
    paragraphs: tuple[str, ...] = ()
    quotes: tuple[Quote, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    action: Action | None = None


@dataclass(frozen=True)
class Context:
    tz: ZoneInfo
    ask: dict | None  # the ask as it is now (the email's ``ask``), if any
    links: dict
    base_url: str

    def ask_of(self, data: dict) -> dict | None:
        return self.ask or data.get("ask")

    def to_ask(self, label: str) -> Action:
        return Action(label, self.links.get("ask") or self.links["home"])

    def home(self, label: str) -> Action:
        return Action(label, self.links["home"])


# --- small pieces --------------------------------------------------------------------------------

def title(ask: dict | None) -> str:
    return f"“{oneline(ask['title'])}”" if ask else "your ask"


def short_title(ask: dict | None) -> str:
    return f"“{shorten(ask['title'], SUBJECT_TITLE)}”" if ask else "your ask"


def name(person: dict | None, fallback: str = "Someone") -> str:
    return oneline(person["display_name"]) if person else fallback


def author(ask: dict | None) -> str:
    return name(ask["author"] if ask else None)


def helper(ask: dict | None) -> str:
    return name(ask.get("helper") if ask else None, "Your helper")


def ask_facts(ask: dict | None, tz: ZoneInfo) -> tuple[tuple[str, str], ...]:
    if not ask:
        return ()
    when = window_words(ask.get("window_start"), ask.get("window_end"), tz)
    where = (f"in person, around {oneline(ask.get('area') or '')}"
             if ask.get("mode") == "in_person" else "online")
    return (("How long", duration(ask["minutes"])),
            ("When", when or "whenever suits, there's no set time"), ("Where", where))


def is_open(ask: dict | None) -> bool:
    return ask is None or (ask.get("status") == "open" and not ask.get("hidden"))


def _reasons(reasons: list[str]) -> str:
    # "You're online now" was true when the offer went out; by the time mail goes, it isn't.
    kept = [r.replace("`", "") for r in reasons if not r.startswith("you're online")]
    return listing(kept)


# --- asks: to the helper ------------------------------------------------------------------------

def offered(data: dict, c: Context) -> Note:
    ask = c.ask_of(data)
    if not is_open(ask):
        return Note("ask.offered", f"{short_title(ask)} doesn't need a helper any more",
                    f"{title(ask)} doesn't need a helper any more",
                    ("It was sorted out after we asked you, so there's nothing to do. Thank you "
                     "for being open to it.",))
    why = _reasons(data.get("reasons", []))
    facts = ask_facts(ask, c.tz) + ((("Why we asked you", why),) if why else ())
    details = (Quote(excerpt(ask["details"], DETAILS)),) if ask.get("details") else ()
    return Note("ask.offered", f"Could you help with {short_title(ask)}?",
                f"{author(ask)} could use a hand with {title(ask)}", (), details, facts)


def taken(data: dict, c: Context) -> Note:
    ask = c.ask_of(data)
    return Note("ask.taken", f"Someone else is helping with {short_title(ask)}",
                f"Someone else is helping with {title(ask)}",
                ("Thank you for being open to it. Another member took this one, so there's "
                 "nothing for you to do.",), action=c.home("See what else is open"))


def cancelled(data: dict, c: Context) -> Note:
    ask = c.ask_of(data)
    return Note("ask.cancelled", f"{short_title(ask)} was cancelled",
                f"{author(ask)} cancelled {title(ask)}",
                ("Plans change, and there's nothing more for you to do on this one. Thank you "
                 "for making time for it.",), action=c.home("Open the exchange"))


CLOSED_HOW = {"cancelled": "The person who asked doesn't need it any more",
              "expired": "Its time passed", "hidden": "It isn't open any more"}


def offer_closed(data: dict, c: Context) -> Note:
    """An ask this helper was offered closed before anyone took it. Only the note's own title
    is named (none when a moderator hid it), never the ask as it is now."""
    named = {"title": data["title"]} if data.get("title") else None
    return Note("offer.closed", f"{short_title(named) if named else 'An ask'} has closed",
                f"{title(named) if named else 'An ask you were offered'} doesn't need a "
                "helper any more",
                (f"{CLOSED_HOW.get(data.get('why'), CLOSED_HOW['hidden'])}, so there's nothing "
                 "for you to do. Thank you for being open to it.",),
                action=c.home("See what else is open"))


def confirmed(data: dict, c: Context) -> Note:
    ask = c.ask_of(data)
    given = data.get("minutes") or (ask or {}).get("minutes") or 0
    return Note("ask.confirmed", f"{author(ask)} confirmed your help — thank you",
                f"{author(ask)} confirmed your help with {title(ask)}",
                (f"{minutes(given)} given, now on your record. Thank you for giving your "
                 "time.",), action=c.to_ask("See the ask"))


def thanks(data: dict, c: Context) -> Note:
    ask, said = c.ask_of(data), data["thanks"]
    quotes = [Quote(said["message"])]
    if said.get("impact"):
        quotes.append(Quote(said["impact"], "The difference it made"))
    return Note("thanks.received", f"{author(ask)} sent you thanks",
                f"{author(ask)} sent you thanks for {title(ask)}", (), tuple(quotes),
                action=c.to_ask("See the ask"))


# --- asks: to the asker -------------------------------------------------------------------------

def accepted(data: dict, c: Context) -> Note:
    ask = c.ask_of(data)
    return Note("ask.accepted", f"{helper(ask)} is helping with {short_title(ask)}",
                f"{helper(ask)} is helping with {title(ask)}",
                ("Good news: your ask has a helper. Say hello in the conversation to sort out "
                 "the details.",), facts=ask_facts(ask, c.tz)[1:2],
                action=c.to_ask("Open the conversation"))


def withdrawn(data: dict, c: Context) -> Note:
    ask = c.ask_of(data)
    return Note("ask.withdrawn", f"{short_title(ask)} is open again",
                f"{title(ask)} is open again",
                ("The person who took it had to step back. Plans change, and it says nothing "
                 "about your ask. We're offering it to others who could help now.",),
                action=c.to_ask("See your ask"))


def delivered(data: dict, c: Context) -> Note:
    ask = c.ask_of(data)
    return Note("ask.delivered", f"{helper(ask)} marked {short_title(ask)} as done",
                f"{helper(ask)} marked {title(ask)} as done",
                (f"If it went well, confirming records the time {helper(ask)} gave, and you "
                 "can send a few words of thanks. If something is still open, just say so in "
                 "the conversation.",), action=c.to_ask("Confirm and say thanks"))


def expired(data: dict, c: Context) -> Note:
    ask = c.ask_of(data)
    return Note("ask.expired", f"{short_title(ask)} has closed", f"{title(ask)} has closed",
                (data["message"],), action=c.home("Post it again"))


def still_open(data: dict, c: Context) -> Note:
    ask = c.ask_of(data)
    return Note("ask.still_open", f"{short_title(ask)} is still open",
                f"{title(ask)} is still open", (data["message"],),
                action=c.to_ask("See your ask"))


# --- both sides ---------------------------------------------------------------------------------

def message(data: dict, c: Context) -> Note:
    ask, said = c.ask_of(data), data["message"]
    who = name(said.get("author"))
    return Note("message.new", f"{who} wrote about {short_title(ask)}",
                f"{who} wrote about {title(ask)}", (), (Quote(said["body"]),),
                action=c.to_ask("Reply"))


REMINDERS = {  # reminder key: (subject and headline with the title, the button)
    "window-24h": ("Tomorrow: {title}", "Open the conversation"),
    "window-1h": ("Starting soon: {title}", "Open the conversation"),
    "confirm": ("How did {title} go?", "Confirm the help"),
    "thanks": ("A word of thanks for {title}?", "Send thanks"),
    "followup": ("A week on from {title}", "Say what it changed"),
}


def reminder(data: dict, c: Context) -> Note:
    ask = c.ask_of(data)
    words, button = REMINDERS.get(data.get("reminder"), ("About {title}", "See the ask"))
    facts = ask_facts(ask, c.tz)[1:2] if data.get("reminder", "").startswith("window") else ()
    return Note("reminder", words.format(title=short_title(ask)), words.format(title=title(ask)),
                (data["message"],), facts=facts, action=c.to_ask(button))


def nudge(data: dict, c: Context) -> Note:
    if data.get("nudge") == "pay_it_forward":
        ask = data.get("ask") or c.ask
        return Note("nudge", "A chance to pay it forward",
                    f"{author(ask)} could use a hand with {title(ask)}", (data["message"],),
                    facts=ask_facts(ask, c.tz), action=c.to_ask("See the ask"))
    return Note("nudge", "Something small you could use a hand with?",
                "Thank you for all the time you've given", (data["message"],),
                action=c.home("Post a small ask"))


# --- moderation ---------------------------------------------------------------------------------

THINGS = {"ask": "ask", "message": "message", "member": "profile"}
A_THING = {"ask": "an ask", "message": "a message", "member": "a profile"}


def flagged(data: dict, c: Context) -> Note:
    thing = A_THING.get(data.get("target_type"), "a post")
    hidden = " It's hidden until someone reviews it." if data.get("hidden") else ""
    return Note("mod.flagged", "Something new to review", f"New flags on {thing}",
                (f"Its open flags now weigh {data.get('weight')}.{hidden}",),
                action=Action("Open the review queue", c.base_url + "/moderate"))


def _reason(data: dict, label: str) -> tuple[Quote, ...]:
    return (Quote(data["reason"], label),) if data.get("reason") else ()


def warning(data: dict, c: Context) -> Note:
    if data.get("action") == "hidden_pending_review":
        thing = THINGS.get(data.get("target_type"), "post")
        return Note("mod.warning", f"Your {thing} is hidden for now",
                    f"Your {thing} is hidden for now", (data["message"],),
                    action=c.home("Open the exchange"))
    return Note("mod.warning", "A note from the moderators", "A note from the moderators",
                (data["message"],), _reason(data, "The moderator's reason"),
                action=c.home("Open the exchange"))


def hidden(data: dict, c: Context) -> Note:
    ask = c.ask_of(data)
    return Note("ask.hidden", f"Your ask {short_title(ask)} is hidden",
                f"A moderator has hidden {title(ask)}", (data["message"],),
                _reason(data, "The moderator's reason"), action=c.to_ask("See your ask"))


def suspended(data: dict, c: Context) -> Note:
    until = moment(data["until"], c.tz)
    return Note("account.suspended", "Your account is paused for now",
                f"Your account is paused until {until}", (data["message"],),
                _reason(data, "The moderator's reason"), action=c.home("Open the exchange"))


WORDS: dict[str, Callable[[dict, Context], Note]] = {
    "ask.offered": offered,
    "ask.taken": taken,
    "ask.accepted": accepted,
    "ask.withdrawn": withdrawn,
    "ask.cancelled": cancelled,
    "ask.delivered": delivered,
    "ask.confirmed": confirmed,
    "ask.expired": expired,
    "ask.still_open": still_open,
    "message.new": message,
    "thanks.received": thanks,
    "reminder": reminder,
    "nudge": nudge,
    "mod.flagged": flagged,
    "mod.warning": warning,
    "account.suspended": suspended,
    "ask.hidden": hidden,
    "offer.closed": offer_closed,
}
