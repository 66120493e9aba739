"""How one email reads as a whole: the notifications email and the digest.

The templates call ``notification_mail(...)`` and ``digest_mail(...)`` (Jinja globals, set in
``exchange.mail.compose``) with the context the delivery engine builds, and lay out what comes
back. The wording of each notification kind is in ``exchange.mail.kinds``.

One notifications email is about one ask (or one note about no ask), its notes oldest first.
The subject follows the most important note (``IMPORTANCE``): an offer still open first, then
what a moderator did, then what changed for the ask; several messages are counted. An open
offer ends in two buttons, "I can help" and "Not this time", and says plainly that passing is
fine and private; anything else ends in the one thing to do next.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from exchange.mail import kinds
from exchange.mail.formats import excerpt, oneline, quoted, zone
from exchange.mail.kinds import Action, Context, Note

IMPORTANCE = ("ask.offered", "account.suspended", "ask.hidden", "mod.warning", "ask.cancelled",
              "ask.withdrawn", "ask.accepted", "ask.delivered", "thanks.received",
              "ask.confirmed", "message.new", "reminder", "ask.still_open", "ask.expired",
              "ask.taken", "offer.closed", "nudge", "mod.flagged")
# The notices a member cannot switch off (the notifications feature's ``ALWAYS``; a test keeps
# the two equal, as this package sits beside that one and cannot import it).
ALWAYS = frozenset({"mod.warning", "account.suspended", "ask.hidden"})
DIGEST_EXCERPT = 200


@dataclass(frozen=True)
class NotificationMail:
    subject: str
    greeting: str
    intro: str | None
    notes: tuple[Note, ...]
    actions: tuple[Action, ...]
    after_actions: str | None
    more: Action | None  # a quieter link under the buttons
    why: str
    settings_url: str


def _rank(note: Note, c: Context) -> int:
    if note.kind == "ask.offered" and not kinds.is_open(c.ask):
        return len(IMPORTANCE)  # an offer overtaken by events matters least
    return IMPORTANCE.index(note.kind) if note.kind in IMPORTANCE else len(IMPORTANCE)


def _subject(notes: list[Note], c: Context) -> str:
    top = min(notes, key=lambda n: _rank(n, c))  # the first of equals: the oldest
    same = [n for n in notes if n.kind == top.kind]
    if top.kind == "message.new" and len(same) > 1:
        return f"{len(same)} new messages about {kinds.short_title(c.ask)}"
    return same[-1].subject


def _offer_actions(notes: list[Note], c: Context) -> tuple[tuple[Action, ...], str | None]:
    links = c.links
    if not any(n.kind == "ask.offered" for n in notes) or not kinds.is_open(c.ask):
        return (), None
    if not (links.get("accept") and links.get("pass")):
        return (c.to_ask("See the ask"),), None
    who = kinds.author(c.ask) if c.ask else "The person asking"
    return ((Action("I can help", links["accept"]),
             Action("Not this time", links["pass"], primary=False)),
            f"Saying “not this time” is completely fine, and private: {who} isn't told, "
            "and we won't offer you this one again. Either way, thank you for being someone "
            "people can ask.")


def _more(offer_actions: tuple[Action, ...], c: Context) -> Action | None:
    """Under an offer's two buttons, the way to the whole ask (its details may be cut short)."""
    if len(offer_actions) == 2 and c.links.get("ask"):
        return Action("Read the whole ask on the exchange", c.links["ask"], primary=False)
    return None


def _next_step(notes: list[Note], c: Context) -> tuple[Action, ...]:
    with_action = [n for n in notes if n.action]
    if not with_action:
        return ()
    return (min(with_action, key=lambda n: _rank(n, c)).action,)


def _why(notes: list[Note]) -> str:
    if all(n.kind in ALWAYS for n in notes):
        return ("We always send notes like this one by email, because they're about your "
                "account.")
    return "You can choose what we email you about, and when, in your settings."


def notification_mail(member: dict, notes: list[dict], ask: dict | None, links: dict,
                      base_url: str) -> NotificationMail:
    c = Context(zone(member.get("timezone")), ask, links, base_url)
    if c.ask is None:
        c = Context(c.tz, next((n["data"]["ask"] for n in reversed(notes)
                                if isinstance(n["data"].get("ask"), dict)), None), links, base_url)
    written = [kinds.WORDS[n["kind"]](n["data"], c) for n in notes]
    actions, after = _offer_actions(written, c)
    intro = (f"Here's what happened with {kinds.title(c.ask)}:"
             if len(written) > 1 and c.ask else None)
    return NotificationMail(
        subject=_subject(written, c), greeting=f"Hi {oneline(member['display_name'])},",
        intro=intro, notes=tuple(written), actions=actions or _next_step(written, c),
        after_actions=after, more=_more(actions, c), why=_why(written),
        settings_url=links["settings"])


# --- the digest ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DigestItem:
    title: str
    by: str
    url: str
    facts: str
    excerpt: str


@dataclass(frozen=True)
class DigestMail:
    subject: str
    greeting: str
    intro: str
    items: tuple[DigestItem, ...]
    outro: str
    why: str
    settings_url: str
    home_url: str


WHEN = {"daily": ("today", "day"), "weekly": ("this week", "week")}


def _item(ask: dict, links: dict, tz) -> DigestItem:
    facts = [value for _, value in kinds.ask_facts(ask, tz)]
    if ask.get("tags"):
        facts.append(", ".join(ask["tags"]))
    url = links["asks"].get(ask["id"]) or links["asks"].get(str(ask["id"])) or links["home"]
    return DigestItem(kinds.title(ask), kinds.author(ask), url, " · ".join(facts),
                      excerpt(ask.get("details") or "", DIGEST_EXCERPT))


def digest_mail(member: dict, period: str, asks: list[dict], links: dict) -> DigestMail:
    tz, (span, unit) = zone(member.get("timezone")), WHEN[period]
    count = len(asks)
    subject = (f"An ask you could help with {span}" if count == 1
               else f"{count} asks you could help with {span}")
    some = "an open ask" if count == 1 else f"{count} open asks"
    return DigestMail(
        subject=subject, greeting=f"Hi {oneline(member['display_name'])},",
        intro=(f"Here {'is' if count == 1 else 'are'} {some} from the past {unit} that fit "
               "what you can help with."),
        items=tuple(_item(ask, links, tz) for ask in asks),
        outro=("No pressure: if one suits you, a few minutes of your time can make someone's "
               "day. If none do, that's fine too."),
        why=(f"You get this {period} digest because you chose it. You can change or stop it "
             "in your settings."),
        settings_url=links["settings"], home_url=links["home"])


def lines(text) -> Markup:
    """Member text in HTML: escaped, its line breaks kept."""
    return Markup("<br>\n").join(escape(line) for line in str(text).strip().splitlines())


GLOBALS = {"notification_mail": notification_mail, "digest_mail": digest_mail}
FILTERS = {"quoted": quoted, "lines": lines}
