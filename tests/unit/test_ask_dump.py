"""``dump_ask`` writes ``AskSchema``'s fields out by hand (it runs for every ask of every list
page and every wave); the schema documents the API. The two must give the same dict for every
shape of ask: open, windowed, tagged either way, in person, taken, delivered, confirmed with
thanks, auto-confirmed, hidden, closed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm.attributes import set_committed_value

from exchange.asks.models import Ask, AskTag, Thanks
from exchange.asks.schemas import AskSchema, dump_ask
from exchange.members.models import Member

AT = datetime(2026, 12, 5, 9, 30, 15, 123456, tzinfo=UTC)
ASKER = Member(id=1, handle="rosa", display_name="Rosa P")
HELPER = Member(id=2, handle="ade", display_name="Adé")


def ask(**values) -> Ask:
    base = {"id": 7, "author_id": 1, "author": ASKER, "title": "Could someone read my CV?",
            "details": "Ten minutes over video, any day this week.", "minutes": 30,
            "mode": "online", "status": "open", "hidden": False, "auto_confirmed": False,
            "match_round": 0, "widened": False, "created_at": AT, "updated_at": AT}
    tags = values.pop("tags", [])
    thanks = values.pop("thanks", None)
    joined = values.pop("tags_joined", None)
    made = Ask(**{**base, **values})
    made.tag_rows = [AskTag(tag=t) for t in tags]
    set_committed_value(made, "thanks", thanks)
    if joined is not None:  # as a list page reads the tags
        set_committed_value(made, "tags_joined", joined)
    return made


SHAPES = {
    "open, untagged": {},
    "open, tags and a window": {
        "tags": ["excel", "sql"], "window_start": AT + timedelta(days=1),
        "window_end": AT + timedelta(days=1, hours=2)},
    "tags read as a page reads them": {"tags_joined": "sql,excel"},
    "in person": {"mode": "in_person", "area": "Brighton"},
    "a short vague ask (coaching hints)": {"title": "help", "details": "", "minutes": 120},
    "taken": {"status": "matched", "helper_id": 2, "helper": HELPER, "matched_at": AT},
    "delivered": {"status": "delivered", "helper_id": 2, "helper": HELPER, "matched_at": AT,
                  "delivered_at": AT, "actual_minutes": 25},
    "confirmed with thanks": {
        "status": "confirmed", "helper_id": 2, "helper": HELPER, "matched_at": AT,
        "delivered_at": AT, "closed_at": AT, "actual_minutes": 40,
        "thanks": Thanks(id=3, ask_id=7, author_id=1, helper_id=2, message="Thank you!",
                         impact="I sent it off today.", created_at=AT)},
    "auto-confirmed, no thanks": {"status": "confirmed", "auto_confirmed": True,
                                  "helper_id": 2, "helper": HELPER, "closed_at": AT},
    "hidden": {"hidden": True},
    "cancelled": {"status": "cancelled", "closed_at": AT},
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_hand_dump_is_the_schemas_dump(shape):
    made = ask(**SHAPES[shape])
    # as JSON: in Python 1 == True and 1.0 == 1, on the wire they differ
    assert json.dumps(dump_ask(made), sort_keys=True) == \
        json.dumps(AskSchema().dump(made), sort_keys=True)


def test_every_documented_field_is_dumped():
    assert set(dump_ask(ask())) == set(AskSchema().fields)
