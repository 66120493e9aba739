"""The ask state machine, in one table.

    open ──accept──▶ matched ──deliver──▶ delivered ──confirm──▶ confirmed
     │  ▲              │  │                                 ▲
     │  └──withdraw────┘  └──────────confirm────────────────┘
     ├──cancel──▶ cancelled ◀──cancel── matched
     └──expire──▶ expired

Each transition names who may take it, the states it leaves from and the state it lands in.
``service.transition`` applies it as one conditional UPDATE; nothing else writes ``status``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    by: str  # "helper" (the one taking or holding it), "author", or "system"


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("accept", frozenset({"open"}), "matched", "helper"),
        Transition("withdraw", frozenset({"matched"}), "open", "helper"),
        Transition("deliver", frozenset({"matched"}), "delivered", "helper"),
        Transition("confirm", frozenset({"matched", "delivered"}), "confirmed", "author"),
        Transition("auto_confirm", frozenset({"delivered"}), "confirmed", "system"),
        Transition("cancel", frozenset({"open", "matched"}), "cancelled", "author"),
        Transition("expire", frozenset({"open"}), "expired", "system"),
    )
}

ACTIVE = frozenset({"open", "matched", "delivered"})
IN_PROGRESS = frozenset({"matched", "delivered"})
FINAL = frozenset({"confirmed", "cancelled", "expired"})
