"""Kind coaching for an ask while it is being written.

Asking for help is hard, so the composer never blocks a post: it offers gentle hints that make an
ask easier for a helper to say yes to. Every hint is a stable machine ``code`` plus one warm
sentence. Each check is a small predicate over the draft; ``coach`` runs them in the fixed order of
``CODES`` so the same draft always gets the same hints. An empty list means the ask reads clearly.
Pure standard library, deterministic, no I/O.

Codes, in the order they are returned:

- ``no_outcome``: nothing says what "done" looks like. Heuristic: no outcome word or phrase
  (``so that``, ``review``, ``check``, ``decide``, ``fix``, ``read``, ``recommend``, ``feedback``,
  ``explain``, ``done``, ``until``, ``by the end``, ``a list``, ``one paragraph``, ``compare``,
  ``choose``, ``draft``, ``practise``, ``walk me through`` ... with common inflections, matched on
  word boundaries) and no specific question, i.e. a sentence ending in ``?`` of at least five
  words with no vague word in it ("Can someone look over my CV?").
- ``no_time_frame``: no window bound given and no day or time in the text (today, tonight,
  tomorrow, weekday names, this/next week, weekend, morning/evening, asap, ``3pm``, ``15:00``,
  ``2025-03-01``, ``3/14``, ``March 3``, ``3rd of March``).
- ``too_short``: title and details together hold under 40 characters of words (punctuation and
  runs of whitespace are not counted).
- ``too_long``: details over 1200 characters; suggests a smaller first ask.
- ``vague_words``: vague words (help, stuff, thing(s), anything, something, everything, whatever,
  etc) dominate: more than a quarter of all words, or two or more different vague words.
- ``many_questions``: more than one question (runs like ``??`` count once).
- ``no_time_estimate``: ``minutes`` is None.
- ``no_tags``: no non-blank tag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

SHORT_TEXT_CHARS = 40
LONG_DETAILS_CHARS = 1200
QUESTION_MIN_WORDS = 5

CODES = (
    "no_outcome",
    "no_time_frame",
    "too_short",
    "too_long",
    "vague_words",
    "many_questions",
    "no_time_estimate",
    "no_tags",
)

MESSAGES = {
    "no_outcome": "Say what done looks like — it helps a helper know they can say yes.",
    "no_time_frame": (
        "Mention when suits you, like “tonight” or “Saturday morning”, "
        "so helpers can see if they're free."
    ),
    "too_short": "A few more words about your situation will help someone feel ready to jump in.",
    "too_long": (
        "There's a lot of good detail here — a smaller first ask can get things moving, "
        "and the rest can follow."
    ),
    "vague_words": "Naming the exact thing you're stuck on helps the right person spot your ask.",
    "many_questions": (
        "Leading with your one most pressing question makes it easy to say yes; "
        "the others can be asks of their own."
    ),
    "no_time_estimate": "A rough guess is plenty — it lets a helper see this fits their day.",
    "no_tags": "Adding a tag helps people who know this topic find your ask.",
}

VAGUE_WORDS = frozenset(
    {"help", "stuff", "thing", "things", "anything", "something", "everything", "whatever", "etc"}
)

_OUTCOME_TERMS = (
    "so that",
    "so i can",
    "by the end",
    "a list",
    "one paragraph",
    "walk me through",
    "look over",
    "review\\w*",
    "check\\w*",
    "decid\\w*",
    "decision",
    "fix\\w*",
    "read",
    "reads",
    "reading",
    "proofread\\w*",
    "recommend\\w*",
    "feedback",
    "explain\\w*",
    "explanation",
    "done",
    "until",
    "compar\\w*",
    "choose",
    "choosing",
    "pick",
    "draft\\w*",
    "summar\\w*",
    "practi[cs]\\w*",
    "confirm\\w*",
)

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)

_TIME_TERMS = (
    "today",
    "tonight",
    "tomorrow",
    "this week",
    "next week",
    "weekend",
    "weekends",
    "(?:mon|tues|wednes|thurs|fri|satur|sun)days?",
    "morning",
    "afternoon",
    "evening",
    "lunchtime",
    "noon",
    "midnight",
    "asap",
    "right now",
    "end of (?:the )?(?:day|week|month)",
    "\\d{1,2}(?::[0-5]\\d)?\\s?[ap]\\.?m\\.?",
    "(?:[01]?\\d|2[0-3]):[0-5]\\d",
    "\\d{4}-\\d{2}-\\d{2}",
    "\\d{1,2}/\\d{1,2}(?:/\\d{2,4})?",
    f"(?:{_MONTHS}) \\d{{1,2}}(?:st|nd|rd|th)?",
    f"\\d{{1,2}}(?:st|nd|rd|th)?(?: of)? (?:{_MONTHS})",
)


def _terms_pattern(terms: Iterable[str]) -> re.Pattern[str]:
    body = "|".join(term.replace(" ", "\\s+") for term in terms)
    return re.compile(rf"\b(?:{body})(?!\w)", re.IGNORECASE)


_OUTCOME_RE = _terms_pattern(_OUTCOME_TERMS)
_TIME_RE = _terms_pattern(_TIME_TERMS)
_WORD_RE = re.compile(r"[a-z0-9']+", re.IGNORECASE)
_QUESTION_RE = re.compile(r"[^.!?\n]+\?")


@dataclass(frozen=True)
class Hint:
    code: str  # stable machine code, one of CODES
    message: str  # one kind, encouraging sentence


@dataclass(frozen=True)
class _Draft:
    title: str
    details: str
    minutes: int | None
    window_start: Any
    window_end: Any
    tags: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.details}"


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD_RE.findall(text)]


def _is_specific_question(sentence: str) -> bool:
    words = _words(sentence)
    return len(words) >= QUESTION_MIN_WORDS and not VAGUE_WORDS.intersection(words)


def _no_outcome(draft: _Draft) -> bool:
    if _OUTCOME_RE.search(draft.text):
        return False
    return not any(_is_specific_question(q) for q in _QUESTION_RE.findall(draft.text))


def _no_time_frame(draft: _Draft) -> bool:
    if draft.window_start is not None or draft.window_end is not None:
        return False
    return _TIME_RE.search(draft.text) is None


def _too_short(draft: _Draft) -> bool:
    return len(" ".join(_WORD_RE.findall(draft.text))) < SHORT_TEXT_CHARS


def _too_long(draft: _Draft) -> bool:
    return len(draft.details.strip()) > LONG_DETAILS_CHARS


def _vague_words(draft: _Draft) -> bool:
    words = _words(draft.text)
    vague = [word for word in words if word in VAGUE_WORDS]
    return len(vague) * 4 > len(words) or len(set(vague)) >= 2


def _many_questions(draft: _Draft) -> bool:
    return len(re.findall(r"\?+", draft.text)) > 1


def _no_time_estimate(draft: _Draft) -> bool:
    return draft.minutes is None


def _no_tags(draft: _Draft) -> bool:
    return not any(str(tag).strip() for tag in draft.tags)


_CHECKS: dict[str, Callable[[_Draft], bool]] = {
    "no_outcome": _no_outcome,
    "no_time_frame": _no_time_frame,
    "too_short": _too_short,
    "too_long": _too_long,
    "vague_words": _vague_words,
    "many_questions": _many_questions,
    "no_time_estimate": _no_time_estimate,
    "no_tags": _no_tags,
}


def coach(
    title: str,
    details: str = "",
    *,
    minutes: int | None = None,
    window_start=None,
    window_end=None,
    tags=(),
) -> list[Hint]:
    """Hints for an ask's text, in a stable order; an empty list means it reads clearly."""
    return list(_hints(title or "", details or "", minutes, window_start, window_end,
                       tuple(tags or ())))


@lru_cache(maxsize=4096)
def _hints(title, details, minutes, window_start, window_end, tags) -> tuple[Hint, ...]:
    # A pure function of the ask's words: every list of asks shows each ask's hints, and the
    # same asks are read over and over, so the regular expressions run once per wording.
    draft = _Draft(title, details, minutes, window_start, window_end, tags)
    return tuple(Hint(code, MESSAGES[code]) for code in CODES if _CHECKS[code](draft))


def hints_as_dicts(hints: Iterable[Hint]) -> list[dict[str, str]]:
    """Plain dicts for JSON responses and templates: ``[{"code": ..., "message": ...}]``."""
    return [{"code": hint.code, "message": hint.message} for hint in hints]
