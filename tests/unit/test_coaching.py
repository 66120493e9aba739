"""Unit tests for the kind, non-blocking coaching of an ask's text."""

from datetime import UTC, datetime

import pytest

from exchange.asks.coaching import CODES, MESSAGES, Hint, coach, hints_as_dicts

CLEAR_TITLE = "Review my cover letter for a junior developer role"
CLEAR_DETAILS = "One page; I'd love feedback on the opening paragraph so that it sounds like me."
WINDOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)


def codes(title, details="", **overrides):
    """Codes for a draft that is clear apart from what the test changes."""
    kwargs = {"minutes": 20, "window_start": WINDOW, "tags": ("writing",)}
    kwargs.update(overrides)
    return [hint.code for hint in coach(title, details, **kwargs)]


# --- the whole picture -------------------------------------------------------------------------


def test_a_specific_ask_with_a_window_gets_no_hints():
    assert (
        coach(CLEAR_TITLE, CLEAR_DETAILS, minutes=20, window_start=WINDOW, tags=("writing",)) == []
    )


def test_a_bare_vague_ask_gets_every_text_hint_in_the_documented_order():
    hints = coach("Help with stuff??")
    assert [h.code for h in hints] == [
        "no_outcome",
        "no_time_frame",
        "too_short",
        "vague_words",
        "no_time_estimate",
        "no_tags",
    ]


def test_hints_always_follow_the_order_of_codes():
    hints = coach("Help with stuff? Anything? " + "x " * 700)
    positions = [CODES.index(h.code) for h in hints]
    assert positions == sorted(positions)
    assert "too_long" not in [h.code for h in hints]  # long title text is not "details"


def test_the_same_draft_always_gets_the_same_hints():
    assert coach("Help with stuff", "whatever") == coach("Help with stuff", "whatever")


def test_every_hint_carries_its_documented_message():
    for hint in coach("Help with stuff?? Anything?", "x" * 1300):
        assert hint.message == MESSAGES[hint.code]


def test_every_code_has_a_message():
    assert set(MESSAGES) == set(CODES)


@pytest.mark.parametrize("word", ["must", "invalid", "error", "wrong"])
def test_no_message_contains_a_scolding_word(word):
    for message in MESSAGES.values():
        assert word not in message.lower()


def test_each_message_is_one_short_sentence():
    for message in MESSAGES.values():
        assert len(message) <= 120
        assert message.count(".") == 1 and message.endswith(".")


def test_hints_are_frozen():
    hint = Hint("no_tags", MESSAGES["no_tags"])
    with pytest.raises(AttributeError):
        hint.code = "other"  # type: ignore[misc]


# --- hints_as_dicts ----------------------------------------------------------------------------


def test_hints_as_dicts_gives_code_and_message_pairs_in_order():
    hints = coach("Help with stuff")
    assert hints_as_dicts(hints) == [{"code": h.code, "message": h.message} for h in hints]


def test_hints_as_dicts_of_no_hints_is_an_empty_list():
    assert hints_as_dicts([]) == []


# --- no_outcome --------------------------------------------------------------------------------


def test_an_ask_without_a_definition_of_done_gets_no_outcome():
    assert "no_outcome" in codes("My cover letter for a junior developer role", "Saturday 10am")


@pytest.mark.parametrize(
    "title",
    [
        "Check my cover letter for a junior developer role",
        "Fix the wobbly shelf in my hallway",
        "Recommend a good beginner sourdough recipe",
        "Explain how council tax bands work",
        "Read through my short story opening",
        "Stay on a call until I finish my tax return",
        "A list of three quiet cafes to work from",
        "Cover letter: one paragraph of feedback",
        "Talking to my landlord so that I get the deposit back",
        "Deciding between two job offers",
    ],
)
def test_an_outcome_word_means_no_no_outcome_hint(title):
    assert "no_outcome" not in codes(title)


def test_a_specific_question_counts_as_an_outcome():
    assert "no_outcome" not in codes("Which laptop under 500 pounds suits a student?")


def test_a_short_question_does_not_count_as_an_outcome():
    assert "no_outcome" in codes("My laptop, any ideas?")


def test_a_question_full_of_vague_words_does_not_count_as_an_outcome():
    assert "no_outcome" in codes("Can anyone help me with something on my laptop?")


def test_outcome_words_inside_other_words_do_not_count():
    assert "no_outcome" in codes("Already thinking about my unfixable bread")


# --- no_time_frame -----------------------------------------------------------------------------


def test_an_ask_with_no_window_and_no_time_words_gets_no_time_frame():
    assert "no_time_frame" in codes(CLEAR_TITLE, CLEAR_DETAILS, window_start=None)


def test_a_window_start_means_no_no_time_frame_hint():
    assert "no_time_frame" not in codes(CLEAR_TITLE, CLEAR_DETAILS, window_start=WINDOW)


def test_a_window_end_alone_also_counts_as_a_window():
    assert "no_time_frame" not in codes(
        CLEAR_TITLE, CLEAR_DETAILS, window_start=None, window_end=WINDOW
    )


@pytest.mark.parametrize(
    "when",
    [
        "today",
        "Tonight",
        "tomorrow",
        "on Thursday",
        "any Saturday",
        "this week",
        "at the weekend",
        "around 3pm",
        "at 7 p.m.",
        "at 15:00",
        "on 2025-03-01",
        "on 14/3",
        "on March 3rd",
        "on the 3rd of March",
        "in the evening",
    ],
)
def test_a_day_or_time_in_the_text_means_no_no_time_frame_hint(when):
    assert "no_time_frame" not in codes(CLEAR_TITLE, f"Free {when}.", window_start=None)


def test_numbers_that_are_not_times_do_not_count_as_a_time_frame():
    assert "no_time_frame" in codes(CLEAR_TITLE, "It is 2 pages and 300 words.", window_start=None)


# --- too_short ---------------------------------------------------------------------------------


def test_a_very_short_ask_gets_too_short():
    assert "too_short" in codes("Review my CV", "by Friday")


def test_an_ask_of_forty_word_characters_is_not_too_short():
    assert "too_short" not in codes("Review my CV", "x" * 27)  # "Review my CV " + 27 = 40


def test_punctuation_and_spaces_do_not_count_towards_length():
    assert "too_short" in codes("Review my CV!!!!!!!!", "   ........................   ")


# --- too_long ----------------------------------------------------------------------------------


def test_details_over_1200_characters_get_too_long():
    assert "too_long" in codes(CLEAR_TITLE, "a" * 1201)


def test_details_of_exactly_1200_characters_are_not_too_long():
    assert "too_long" not in codes(CLEAR_TITLE, "a" * 1200)


# --- vague_words -------------------------------------------------------------------------------


def test_an_ask_dominated_by_vague_words_gets_vague_words():
    assert "vague_words" in codes("Help with stuff")


def test_two_different_vague_words_get_vague_words():
    assert "vague_words" in codes("Could someone help me sort something on my laptop this weekend")


def test_one_passing_vague_word_in_a_specific_ask_is_fine():
    assert "vague_words" not in codes("Help me review my cover letter for a junior role")


def test_vague_words_are_matched_case_insensitively():
    assert "vague_words" in codes("STUFF", "WHATEVER")


def test_vague_words_only_match_whole_words():
    assert "vague_words" not in codes("Helpful thingamajig stuffing")


# --- many_questions ----------------------------------------------------------------------------


def test_more_than_one_question_gets_many_questions():
    assert "many_questions" in codes("Which laptop suits a student?", "And which bag fits it?")


def test_a_single_question_is_fine():
    assert "many_questions" not in codes("Which laptop under 500 pounds suits a student?")


def test_a_doubled_question_mark_counts_as_one_question():
    assert "many_questions" not in codes("Which laptop under 500 pounds suits a student??")


# --- no_time_estimate --------------------------------------------------------------------------


def test_an_ask_without_minutes_gets_no_time_estimate():
    assert "no_time_estimate" in codes(CLEAR_TITLE, CLEAR_DETAILS, minutes=None)


def test_an_ask_with_minutes_has_no_no_time_estimate_hint():
    assert "no_time_estimate" not in codes(CLEAR_TITLE, CLEAR_DETAILS, minutes=5)


# --- no_tags -----------------------------------------------------------------------------------


def test_an_ask_without_tags_gets_no_tags():
    assert "no_tags" in codes(CLEAR_TITLE, CLEAR_DETAILS, tags=())


def test_blank_tags_count_as_no_tags():
    assert "no_tags" in codes(CLEAR_TITLE, CLEAR_DETAILS, tags=["  ", ""])


def test_an_ask_with_a_tag_has_no_no_tags_hint():
    assert "no_tags" not in codes(CLEAR_TITLE, CLEAR_DETAILS, tags=["cv"])


def test_tags_may_be_any_iterable():
    assert "no_tags" not in codes(CLEAR_TITLE, CLEAR_DETAILS, tags=iter(["cv"]))
