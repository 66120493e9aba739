"""Ranking of already-eligible helpers for an ask, and the reasons each one is shown.

Eligibility (active, helping, not blocked, below capacity, skills overlap, window, quiet hours,
area for in-person asks) is decided by the candidate query; this module only orders the
candidates that query returns and explains the choice. Pure standard library, no I/O.

Score
-----
Each candidate gets a weighted sum of five components, each in ``[0, 1]``::

    score = 3.0 * tag_overlap       # |ask.tags ∩ skills| / |ask.tags|; untagged ask: 0.5 for all
          + 1.0 * online            # 1 if connected right now (Socket.IO presence), else 0
          + 1.5 * fairness          # 1 / (1 + offers received in the last 14 days)
          + 1.0 * responsiveness    # (accepts + 2) / (offers + 2 + 2): Beta(2, 2) prior
          + 0.5 * pay_it_forward    # 1 if they had help confirmed in the last 30 days, else 0

Why these weights:

- **Tag overlap** weighs most: knowing what the ask is about matters most. An untagged ask gives
  everyone the same neutral 0.5, so it never changes the order.
- **Fairness** is next, so the load spreads: the first recent offer costs 0.75, the second
  0.25 more, and so on. Among equally good helpers the one with the fewest recent offers
  comes first, so repeated asks rotate through everyone instead of the same person.
- **Online** (1.0) outweighs one recent offer (0.75): someone who can answer now is worth a
  little extra load, but not much more.
- **Responsiveness** uses a Beta(2, 2) prior, so a newcomer with no offers scores 0.5, the
  same as someone who accepted half their offers, and above a helper who accepted 1 of 10
  (3/14). Nobody is judged on a handful of declines; declining stays cheap.
- **Pay-it-forward** (0.5) is a small nudge for people who were recently helped themselves.

Being free in the ask's window is part of eligibility (the candidate query), not the score;
``window_day`` only feeds the reason text.

Ties
----
Scores are compared rounded to 9 decimals. Exact ties are broken by a draw from a hash of
``f"{seed}:{ask_id}:{member_id}"`` (BLAKE2b, 8 bytes; a seeded ``random.Random`` per candidate
did the same at a dozen times the cost), so the order does not depend on the order
the candidates arrive in, the same inputs and seed always give the same order, and a
different seed can only reorder candidates whose scores tie. ``member_id`` is the last resort.

Reasons
-------
Short, warm, second person, in this order, each only when it applies: the shared tags ("you
know `pandas` and `python`", alphabetical), "you're free Thursday", "you're nearby in
Leeds" (in-person asks), "you're online now", "you recently got help — a chance to pay it
forward". If none applies: "you said you're happy to help". Fairness and responsiveness
never produce a reason: being chosen should never read as a judgement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

WEIGHTS: dict[str, float] = {
    "tag_overlap": 3.0,
    "online": 1.0,
    "fairness": 1.5,
    "responsiveness": 1.0,
    "pay_it_forward": 0.5,
}
PRIOR_ACCEPTS = 2  # Beta prior "a": pseudo-accepts every helper starts with
PRIOR_DECLINES = 2  # Beta prior "b": pseudo-declines every helper starts with
UNTAGGED_OVERLAP = 0.5  # same for everyone, so an untagged ask never changes the order
SCORE_DIGITS = 9  # float noise below this is treated as a tie
FALLBACK_REASON = "you said you're happy to help"
PAY_IT_FORWARD_REASON = "you recently got help — a chance to pay it forward"
ONLINE_REASON = "you're online now"


@dataclass(frozen=True)
class Candidate:
    member_id: int
    handle: str
    skills: frozenset[str]
    online: bool  # Socket.IO presence
    offers_recent: int  # offers received in the last 14 days
    offers_total: int  # offers ever received
    accepts_total: int  # offers ever accepted
    received_recently: bool  # had help confirmed in the last 30 days
    window_day: str | None = None  # e.g. "Thursday" when a slot matched the ask's window


@dataclass(frozen=True)
class AskFacts:
    ask_id: int
    tags: frozenset[str]
    mode: str  # online | in_person
    area: str | None


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float
    parts: dict[str, float]  # weighted contribution of each component; they sum to score
    reasons: tuple[str, ...]


def tag_overlap(ask: AskFacts, c: Candidate) -> float:
    if not ask.tags:
        return UNTAGGED_OVERLAP
    return len(ask.tags & c.skills) / len(ask.tags)


def fairness(c: Candidate) -> float:
    return 1 / (1 + max(c.offers_recent, 0))


def responsiveness(c: Candidate) -> float:
    accepts = max(c.accepts_total, 0)
    offers = max(c.offers_total, accepts)  # inconsistent counts must not push the rate above 1
    return (accepts + PRIOR_ACCEPTS) / (offers + PRIOR_ACCEPTS + PRIOR_DECLINES)


def components(ask: AskFacts, c: Candidate) -> dict[str, float]:
    """Each component's raw value in [0, 1], before weighting."""
    return {
        "tag_overlap": tag_overlap(ask, c),
        "online": float(c.online),
        "fairness": fairness(c),
        "responsiveness": responsiveness(c),
        "pay_it_forward": float(c.received_recently),
    }


def score(ask: AskFacts, c: Candidate) -> Ranked:
    parts = {name: WEIGHTS[name] * value for name, value in components(ask, c).items()}
    return Ranked(candidate=c, score=sum(parts.values()), parts=parts, reasons=reasons(ask, c))


def rank(ask: AskFacts, candidates: Iterable[Candidate], *, seed: int) -> list[Ranked]:
    """Best first; exact ties in a repeatable seeded order (see the module docstring)."""
    scored = [score(ask, c) for c in candidates]
    return sorted(scored, key=lambda r: _sort_key(r, ask.ask_id, seed))


def _sort_key(r: Ranked, ask_id: int, seed: int) -> tuple[float, bytes, int]:
    member_id = r.candidate.member_id
    draw = hashlib.blake2b(f"{seed}:{ask_id}:{member_id}".encode(), digest_size=8).digest()
    return (-round(r.score, SCORE_DIGITS), draw, member_id)


def waves(ranked: list[Ranked], wave_size: int) -> list[list[Ranked]]:
    """Consecutive chunks of ``wave_size``, best first; the last one may be smaller."""
    if wave_size < 1:
        raise ValueError("wave_size must be at least 1")
    return [ranked[i : i + wave_size] for i in range(0, len(ranked), wave_size)]


def reasons(ask: AskFacts, c: Candidate) -> tuple[str, ...]:
    found = [
        _tags_reason(ask, c),
        f"you're free {c.window_day}" if c.window_day else None,
        _area_reason(ask),
        ONLINE_REASON if c.online else None,
        PAY_IT_FORWARD_REASON if c.received_recently else None,
    ]
    kept = tuple(r for r in found if r)
    return kept or (FALLBACK_REASON,)


def _tags_reason(ask: AskFacts, c: Candidate) -> str | None:
    shared = [f"`{tag}`" for tag in sorted(ask.tags & c.skills)]
    if not shared:
        return None
    if len(shared) == 1:
        return f"you know {shared[0]}"
    return f"you know {', '.join(shared[:-1])} and {shared[-1]}"


def _area_reason(ask: AskFacts) -> str | None:
    # Eligibility already requires an in-person helper's area to match the ask's.
    if ask.mode == "in_person" and ask.area:
        return f"you're nearby in {ask.area}"
    return None
