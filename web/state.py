"""Per-app state (settings, database, dispatcher) and the per-request unit of work.

One ``UnitOfWork`` per request, opened lazily and closed at teardown, so a view parses, calls
one service, commits, and the response is dumped while the session is still open.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, g, request

from exchange.config import Settings
from exchange.db import Database
from exchange.dispatch import Dispatcher
from exchange.ports import HopTrace, NoHops
from exchange.uow import UnitOfWork


@dataclass
class AppState:
    settings: Settings
    db: Database
    dispatcher: Dispatcher
    hops: HopTrace = field(default_factory=NoHops)


def state() -> AppState:
    return current_app.extensions["exchange"]


READS = frozenset({"GET", "HEAD", "OPTIONS"})


def uow() -> UnitOfWork:
    """The request's unit of work: a reading one for GET/HEAD/OPTIONS (no write lock on
    SQLite), a writing one otherwise. A GET that must record something (a page marking the
    member as seen) does it in a short unit of work of its own."""
    if "uow" not in g:
        st = state()
        g.uow = UnitOfWork(st.db, st.dispatcher, st.settings,
                           write=request.method not in READS).__enter__()
    return g.uow


def close_uow(_exc=None) -> None:
    unit = g.pop("uow", None)
    if unit is not None:
        unit.__exit__(None, None, None)
