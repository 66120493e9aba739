"""Composing an ask: coaching on the draft before anything is sent, the honest expectation
from the community's own figures, and refusals in short human sentences tied to their field."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from exchange.asks.models import Ask
from exchange.members.models import Member
from tests.web.flow_helpers import field_errors

HTTP_PHRASE = "well-formed"
LIBRARY_WORDS = ("Missing data", "Shorter than", "Longer than", "Length must", "Not a valid",
                 "Must be", "does not match", "Field may not")


def coaching(api, who, **query):
    r = api.call(who, "GET", "/asks/coaching", query_string=query)
    assert r.status_code == 200, r.get_json()
    return [hint["code"] for hint in r.get_json()["hints"]]


def expectation(api, who, *tags):
    r = api.call(who, "GET", "/asks/expectation", query_string=[("tags", t) for t in tags])
    assert r.status_code == 200, r.get_json()
    return r.get_json()["lines"]


def matched_after(api, make_uow, author, helper, minutes: float, *, tags, days_ago: float = 0):
    """An ask with these tags that found its helper `minutes` after it was posted."""
    ask = api.matched(author, helper, tags=tags)
    matched = datetime.now(UTC) - timedelta(days=days_ago)
    with make_uow() as uow:
        uow.session.execute(update(Ask).where(Ask.id == ask["id"]).values(
            created_at=matched - timedelta(minutes=minutes), matched_at=matched))
        uow.commit()


# --- coaching on a draft --------------------------------------------------------------------

def test_a_vague_short_draft_is_coached_before_it_is_sent(api, make_uow):
    who = api.member("ada")
    codes = coaching(api, who, title="help")
    assert {"too_short", "no_time_frame", "no_outcome"} <= set(codes)
    with make_uow() as uow:
        assert uow.session.query(Ask).count() == 0  # nothing was posted


def test_a_window_answers_when_so_the_when_hint_goes(api):
    who = api.member("ada")
    start = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert "no_time_frame" in coaching(api, who, title="Read my cover letter")
    assert "no_time_frame" not in coaching(api, who, title="Read my cover letter",
                                           window_start=start)


def test_a_clear_draft_gets_no_hints(api):
    who = api.member("ada")
    assert coaching(api, who, title="Review my CV summary paragraph tomorrow evening",
                    details="For a junior analyst role; does it read clearly?",
                    minutes=15, tags="cv") == []


def test_coaching_needs_signing_in_and_a_sane_draft(api):
    assert api.call(None, "GET", "/asks/coaching", query_string={"title": "x"}).status_code == 401
    r = api.call(api.member("ada"), "GET", "/asks/coaching", query_string={"minutes": "500"})
    assert r.status_code == 422
    assert r.get_json()["errors"]["query"]["minutes"] == ["Please choose a number from 5 to 120."]


# --- the honest expectation -----------------------------------------------------------------

def test_a_tag_with_helpers_and_recent_matches_says_how_long_and_how_many(api, make_uow):
    asker = api.member("asker")
    helpers = [api.member(f"helper{i}", skills=["writing"]) for i in range(2)]
    api.member("resting", skills=["writing"], helping=False)  # not open to helping: not counted
    for minutes, helper in zip((10, 20, 45), (helpers[0], helpers[1], helpers[0]), strict=True):
        matched_after(api, make_uow, asker, helper, minutes, tags=["writing"])
    [line] = expectation(api, asker, "writing")
    assert (line["tag"], line["helpers"], line["recent_matches"]) == ("writing", 2, 3)
    assert line["median_minutes"] == pytest.approx(20, abs=0.1)
    assert line["message"] == (
        "Asks tagged writing usually find someone in about 20 minutes — 2 members help with it.")


def test_too_few_recent_matches_and_no_duration_is_said(api, make_uow):
    asker, helper = api.member("asker"), api.member("helper", skills=["python"], capacity=10)
    matched_after(api, make_uow, asker, helper, 5, tags=["python"])
    matched_after(api, make_uow, asker, helper, 7, tags=["python"])
    matched_after(api, make_uow, asker, helper, 9, tags=["python"], days_ago=120)  # too old
    [line] = expectation(api, asker, "python")
    assert (line["recent_matches"], line["median_minutes"]) == (2, None)
    assert line["message"] == ("1 member helps with python. There are too few recent asks to "
                               "say how long it usually takes.")
    assert "minute" not in line["message"]


def test_a_tag_nobody_lists_says_so_and_what_still_works(api):
    asker = api.member("asker")
    api.member("helper", skills=["writing"])
    [line] = expectation(api, asker, "knitting")
    assert (line["helpers"], line["median_minutes"]) == (0, None)
    assert line["message"].startswith("Nobody lists knitting yet.")
    assert "without that tag it reaches everyone who helps" in line["message"]


def test_each_tag_gets_its_line_and_the_asker_is_never_counted(api, make_uow):
    asker = api.member("asker", skills=["writing", "cv"])
    api.member("helper", skills=["cv"])
    cv, writing = expectation(api, asker, "cv", "writing")
    assert (cv["tag"], cv["helpers"]) == ("cv", 1)
    assert (writing["tag"], writing["helpers"]) == ("writing", 0)


def test_an_untagged_draft_hears_about_the_whole_community(api, make_uow):
    asker, helper = api.member("asker"), api.member("helper", capacity=10)
    api.member("away")
    with make_uow() as uow:
        uow.session.execute(update(Member).where(Member.handle == "away").values(
            status="suspended"))
        uow.commit()
    for minutes in (60, 120, 180):
        matched_after(api, make_uow, asker, helper, minutes, tags=[])
    [line] = expectation(api, asker)
    assert (line["tag"], line["helpers"], line["recent_matches"]) == (None, 1, 3)
    assert line["message"] == (
        "Asks here usually find someone in about 2 hours — 1 member is open to helping.")


def test_the_expectation_refuses_a_bad_tag_kindly(api):
    r = api.call(api.member("ada"), "GET", "/asks/expectation", query_string={"tags": "no way!"})
    assert r.status_code == 422
    [note] = r.get_json()["errors"]["query"]["tags"]["0"]
    assert note.startswith("A tag is one short word")
    assert api.call(None, "GET", "/asks/expectation").status_code == 401


# --- refusals in human sentences ------------------------------------------------------------

def _sentences(errors) -> list[str]:
    if isinstance(errors, list):
        return [m for m in errors if isinstance(m, str)]
    return [m for value in errors.values() for m in _sentences(value)]


def _human(response, field: str) -> list[str]:
    body = response.get_json()
    assert HTTP_PHRASE not in body["message"], body
    notes = _sentences(field_errors(response))
    assert notes, body
    for note in notes:
        assert not any(words in note for words in LIBRARY_WORDS), note
        assert not re.match(rf"^{field}\b", note, re.IGNORECASE), note  # no field-name prefix
        assert note[0].isupper() and note.rstrip().endswith((".", "?")), note
    return notes


def test_a_too_short_title_is_one_kind_sentence_beside_the_title(api):
    r = api.call(api.member("ada"), "POST", "/asks", json={"title": "help", "minutes": 15})
    assert _human(r, "title") == [
        "A few more words, please: a title of at least 8 characters says what would help."]
    assert r.get_json()["message"] == "Some of this needs another look; each field's note says how."


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"minutes": 15}, "title", "This one is needed."),
    ({"title": "x" * 121, "minutes": 15}, "title", "Please keep this to 120 characters or fewer."),
    ({"title": "Read my letter", "minutes": 500}, "minutes",
     "Please choose a number from 5 to 120."),
    ({"title": "Read my letter", "minutes": 15, "tags": ["a", "b", "c", "d", "e", "f"]}, "tags",
     "Up to 5 tags, please."),
    ({"title": "Read my letter", "minutes": 15, "mode": "in_person"}, "area",
     "Please name a town or district, so nearby helpers can find it."),
])
def test_ask_refusals_name_what_would_work(api, body, field, words):
    r = api.call(api.member("ada"), "POST", "/asks", json=body)
    assert words in _human(r, field)


@pytest.mark.parametrize(("body", "field"), [
    ({"handle": "No Spaces!", "email": "x@example.org", "password": "a long quiet river",
      "display_name": "X"}, "handle"),
    ({"handle": "someone", "email": "not an address", "password": "a long quiet river",
      "display_name": "X"}, "email"),
    ({"handle": "someone", "email": "x@example.org", "password": "short",
      "display_name": "X"}, "password"),
    ({"handle": "someone", "email": "x@example.org", "password": "a long quiet river"},
     "display_name"),
])
def test_join_refusals_are_human_sentences(client, body, field):
    r = client.post("/api/v1/auth/register", json=body)
    notes = _human(r, field)
    assert field in field_errors(r), r.get_json()
    assert len(notes) == len(set(notes))


def test_a_taken_handle_is_said_once_by_its_field(api, client):
    api.member("sam_reads")
    r = client.post("/api/v1/auth/register", json={
        "handle": "sam_reads", "email": "other@example.org", "password": "a long quiet river",
        "display_name": "Sam"})
    assert r.status_code == 409
    assert r.get_json()["errors"]["json"] == {"handle": ["That handle is taken."]}
