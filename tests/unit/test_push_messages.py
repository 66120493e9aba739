"""What a Web Push says for each kind of notification: the product's words, a link to the ask,
the kind's urgency and lifetime — and nothing a member wrote unless they chose it (a lock
screen is public)."""

from __future__ import annotations

import json

import pytest

from exchange.config import Settings
from exchange.delivery import pushes
from exchange.members.models import Member
from exchange.notifications.models import KINDS, Notification

SETTINGS = Settings(env="test", base_url="https://exchange.example.org", wave_seconds=600)
SECRETS = ("SECRET-TITLE", "SECRET-DETAILS", "SECRET-MESSAGE", "SECRET-NAME", "SECRET-THANKS",
           "SECRET-IMPACT", "SECRET-REASON")
ASK = {"id": 42, "title": "SECRET-TITLE: look over my letter", "details": "SECRET-DETAILS",
       "minutes": 15, "author": {"handle": "ada", "display_name": "SECRET-NAME"}}
MESSAGE = {"id": 1, "ask_id": 42, "body": "SECRET-MESSAGE see you then",
           "author": {"handle": "bo", "display_name": "SECRET-NAME"}}
OURS = "Our own words for this note."

DATA = {
    "ask.offered": {"ask": ASK, "reasons": ["you know writing"], "wave": 1},
    "ask.expired": {"ask": ASK, "message": OURS},
    "ask.still_open": {"ask": ASK, "message": OURS},
    "ask.confirmed": {"ask": ASK, "minutes": 15},
    "message.new": {"ask_id": 42, "message": MESSAGE},
    "thanks.received": {"ask_id": 42, "thanks": {"id": 1, "ask_id": 42,
                                                 "message": "SECRET-THANKS so kind",
                                                 "impact": "SECRET-IMPACT",
                                                 "from": {"handle": "ada",
                                                          "display_name": "SECRET-NAME"}}},
    "reminder": {"ask": ASK, "message": OURS, "reminder": "confirm"},
    "nudge": {"nudge": "pay_it_forward", "message": OURS, "ask": ASK},
    "mod.flagged": {"target_type": "ask", "target_id": 42, "weight": 2, "hidden": False},
    "mod.warning": {"action": "warned", "message": OURS, "reason": "SECRET-REASON",
                    "target_type": "ask", "target_id": 42},
    "account.suspended": {"until": "2030-01-01T00:00:00+00:00", "reason": "SECRET-REASON",
                          "message": OURS},
    "ask.hidden": {"ask": ASK, "message": OURS, "reason": "SECRET-REASON"},
    "offer.closed": {"ask_id": 42, "why": "cancelled", "title": "SECRET-TITLE"},
}


def note(kind: str, data: dict | None = None) -> Notification:
    data = DATA.get(kind, {"ask": ASK}) if data is None else data
    ask_id = 42 if ("ask" in data or "ask_id" in data) else None
    return Notification(id=9, member_id=1, kind=kind, data=data, ask_id=ask_id)


def payload(kind: str, details: bool = False, data: dict | None = None) -> dict:
    message = pushes.push_message(note(kind, data), Member(push_details=details), SETTINGS)
    return json.loads(message.payload)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_words_and_a_link_into_the_exchange(kind):
    sent = payload(kind)
    assert sent["kind"] == kind and sent["notification_id"] == 9
    assert sent["title"] and sent["body"] and "{" not in sent["title"] + sent["body"]
    assert sent["url"].startswith("https://exchange.example.org/")


@pytest.mark.parametrize("kind", KINDS)
def test_without_the_members_choice_a_push_carries_nothing_anyone_wrote(kind):
    text = json.dumps(payload(kind, details=False))
    assert not [s for s in SECRETS if s in text]


@pytest.mark.parametrize("kind", [k for k in KINDS if k.startswith("ask.") and k != "ask.hidden"]
                         + ["reminder", "nudge"])
def test_with_the_members_choice_a_push_about_an_ask_says_what_it_asks(kind):
    assert "SECRET-TITLE" in payload(kind, details=True)["body"]


def test_with_the_members_choice_a_message_push_says_who_wrote_and_what():
    body = payload("message.new", details=True)["body"]
    assert "SECRET-NAME" in body and "SECRET-MESSAGE" in body


@pytest.mark.parametrize("kind", ["mod.warning", "account.suspended", "ask.hidden"])
def test_a_moderators_reasons_never_reach_a_lock_screen(kind):
    assert "SECRET-REASON" not in json.dumps(payload(kind, details=True))


def test_a_push_links_to_the_ask_it_is_about_or_to_home():
    assert payload("ask.offered")["url"] == "https://exchange.example.org/asks/42"
    assert payload("message.new")["url"] == "https://exchange.example.org/asks/42"
    assert payload("mod.warning")["url"] == "https://exchange.example.org/home"
    assert payload("mod.flagged")["url"] == "https://exchange.example.org/moderate"


def test_pushes_about_one_ask_replace_each_other_on_the_device_and_at_the_service():
    offered = pushes.push_message(note("ask.offered"), Member(), SETTINGS)
    taken = pushes.push_message(note("ask.taken"), Member(), SETTINGS)
    assert offered.topic == taken.topic == "ask-42"
    assert payload("ask.offered")["tag"] == payload("message.new")["tag"] == "ask-42"
    assert payload("account.suspended")["tag"] == "note-9"


def test_an_offer_is_urgent_and_lives_as_long_as_its_wave():
    message = pushes.push_message(note("ask.offered"), Member(), SETTINGS)
    assert (message.urgency, message.ttl) == ("high", SETTINGS.wave_seconds)


@pytest.mark.parametrize(("kind", "urgency"), [("message.new", "normal"), ("reminder", "low"),
                                               ("nudge", "low")])
def test_messages_are_normal_and_reminders_and_nudges_can_wait(kind, urgency):
    assert pushes.push_message(note(kind), Member(), SETTINGS).urgency == urgency


def test_long_words_are_cut_short_and_the_payload_fits_a_push_record():
    huge = "😀" * 2000
    data = {"ask_id": 42, "message": {**MESSAGE, "body": huge,
                                      "author": {"display_name": huge}}}
    message = pushes.push_message(note("message.new", data), Member(push_details=True),
                                  SETTINGS)
    # RFC 8291: one 4096-byte record, less its header (86), tag (16) and delimiter (1)
    assert len(message.payload) <= 3993
    assert json.loads(message.payload)["body"].count("😀") < 2 * pushes.SNIPPET


def test_a_note_missing_what_its_words_name_still_gets_kind_words():
    sent = payload("reminder", details=True, data={"reminder": "confirm"})
    assert sent["body"] and "{" not in sent["body"]


def test_thanks_with_details_name_who_sent_them():
    sent = payload("thanks.received", details=True)
    assert sent["body"] == "SECRET-NAME thanked you: “SECRET-THANKS so kind”"


def test_a_closed_offer_replaces_the_offer_on_the_device_and_links_home():
    offered = pushes.push_message(note("ask.offered"), Member(), SETTINGS)
    closed = pushes.push_message(note("offer.closed"), Member(), SETTINGS)
    assert offered.topic == closed.topic == "ask-42"
    sent = payload("offer.closed", details=True)
    assert sent["tag"] == "ask-42" and sent["url"] == "https://exchange.example.org/home"
    assert "SECRET-TITLE" not in json.dumps(sent)  # said the same for a hidden one
