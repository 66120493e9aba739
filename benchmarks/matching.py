"""How matching scales: seed N members, post asks, time ``run_wave`` per ask, show the plan.

    python -m benchmarks.matching postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        --members 10000 --asks 50 --reset
    python -m benchmarks.matching URL --sizes 1000,10000,100000 --reset

``run`` upgrades the schema (``--reset`` drops every table first: point it at a scratch
database only), seeds members and asks in bulk (``benchmarks.seed``), runs ``ANALYZE`` as
autovacuum would, then for each ask times the candidate pool query alone and the whole first
wave (pool, ranking, offers, notifications, commit). It prints p50/p99 and the database's plan
for the pool query: ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on
SQLite. No thresholds: the numbers are for reading, not for failing a build.

The baseline measured beside them (``Result.baseline_ms``, shown by ``exchange bench``) is a
primary-key lookup of one member on the same database and schema: the floor of a query's round
trip, against which the pool query and the wave are ratios.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import MetaData, select, text

from benchmarks.seed import seed_asks, seed_members
from benchmarks.table import percentile
from exchange import migrate
from exchange.asks.models import Ask
from exchange.clock import utcnow
from exchange.config import Settings
from exchange.db import Database
from exchange.dispatch import Dispatcher
from exchange.matching import candidates
from exchange.matching.service import run_wave
from exchange.members.models import Member
from exchange.uow import UnitOfWork


@dataclass
class Result:
    members: int
    asks: int
    seed_seconds: float
    pool_ms: list[float] = field(default_factory=list)  # the candidate query, per ask
    wave_ms: list[float] = field(default_factory=list)  # run_wave + commit, per ask
    offered: list[int] = field(default_factory=list)  # helpers offered, per ask
    plans: dict[str, str] = field(default_factory=dict)  # which ask -> plan text
    baseline_ms: list[float] = field(default_factory=list)  # a primary-key lookup, per sample

    def summary(self) -> str:
        return (f"{self.members} members, {self.asks} asks (seeded in {self.seed_seconds:.1f} s)"
                f"\n  pool query  p50 {percentile(self.pool_ms, 50):7.1f} ms"
                f"  p99 {percentile(self.pool_ms, 99):7.1f} ms"
                f"\n  first wave  p50 {percentile(self.wave_ms, 50):7.1f} ms"
                f"  p99 {percentile(self.wave_ms, 99):7.1f} ms"
                f"\n  offered per wave: {sum(self.offered) / max(len(self.offered), 1):.2f}")


__all__ = ["Result", "explain", "percentile", "reset_schema", "run"]


def reset_schema(url: str) -> None:
    """Drop every table the database has (reflected: newer migrations may have added some
    this process's models do not know), alembic_version included."""
    db = Database(url)
    try:
        tables = MetaData()
        tables.reflect(db.engine)
        tables.drop_all(db.engine)
    finally:
        db.dispose()


def run(database_url: str, members: int = 10_000, asks: int = 50, *, reset: bool = False,
        seed: int = 1, wave_size: int = 3, out: Callable[[str], None] = print) -> Result:
    if reset:
        reset_schema(database_url)
    migrate.upgrade(database_url)
    db = Database(database_url)
    try:
        return _measure(db, database_url, members, asks, seed, wave_size, out)
    finally:
        db.dispose()


def _measure(db, url, members, asks, seed, wave_size, out) -> Result:
    rnd, now = random.Random(seed), utcnow()
    started = time.perf_counter()
    with db.engine.begin() as conn:
        ids = seed_members(conn, members, rnd, now)
        ask_ids = seed_asks(conn, asks, ids, rnd, now)
    _analyze(db)
    result = Result(members=members, asks=asks, seed_seconds=time.perf_counter() - started)
    _time_lookup(db, ids[0])  # warm-up, not counted
    result.baseline_ms = [_time_lookup(db, rnd.choice(ids)) for _ in range(max(asks, 50))]
    settings = Settings(env="test", database_url=url, wave_size=wave_size, rate_limits=False)
    for ask_id in ask_ids:
        result.pool_ms.append(_time_pool(db, ask_id))
        ms, offered = _time_wave(db, settings, ask_id)
        result.wave_ms.append(ms)
        result.offered.append(offered)
    result.plans = _plans(db, ask_ids)
    out(result.summary())
    for name, plan in result.plans.items():
        out(f"\n-- plan: {name}\n{plan}")
    return result


def _analyze(db) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def _time_lookup(db, member_id: int) -> float:
    with db.session() as session:
        session.connection()  # checked out and begun before the clock starts, as in _time_pool
        started = time.perf_counter()
        session.execute(select(Member.handle).where(Member.id == member_id)).one()
        return (time.perf_counter() - started) * 1000


def _time_pool(db, ask_id: int) -> float:
    with db.session() as session:
        ask = session.get(Ask, ask_id)
        session.connection()  # checked out and begun before the clock starts, as in _time_lookup
        started = time.perf_counter()
        candidates.pool_rows(session, ask, utcnow())  # one statement, as the wave runs it
        return (time.perf_counter() - started) * 1000


def _time_wave(db, settings, ask_id: int) -> tuple[float, int]:
    with UnitOfWork(db, Dispatcher(), settings) as uow:
        started = time.perf_counter()
        offered = run_wave(uow, ask_id=ask_id, round_=0, wave=1)
        uow.commit()
        return (time.perf_counter() - started) * 1000, len(offered or [])


def _plans(db, ask_ids: list[int]) -> dict[str, str]:
    """The plan for a tagged ask with a window (typical) and an untagged one without (widest)."""
    with db.session() as session:
        rows = [session.get(Ask, i) for i in ask_ids]
        picks = {
            "tagged ask with a window": next((a for a in rows if a.tags and a.window_start),
                                             None),
            "untagged online ask, no window": next(
                (a for a in rows if not a.tags and not a.window_start and a.mode == "online"),
                None),
        }
        picks = {name: ask for name, ask in picks.items() if ask is not None}
        picks = picks or {"first ask": rows[0]}  # a tiny run may have neither kind
        return {name: explain(session, ask) for name, ask in picks.items()}


def explain(session, ask) -> str:
    dialect = session.get_bind().dialect
    statement, values = candidates.bound_statement(ask, utcnow())
    compiled = statement.compile(dialect=dialect)
    params = compiled.construct_params(values)
    if compiled.positiontup is not None:  # SQLite: qmark, in the order the SQL names them
        params = tuple(params[name] for name in compiled.positiontup)
    prefix = ("EXPLAIN (ANALYZE, BUFFERS) " if dialect.name == "postgresql"
              else "EXPLAIN QUERY PLAN ")
    rows = session.connection().exec_driver_sql(prefix + str(compiled), params).all()
    # PostgreSQL gives one text column; SQLite gives (id, parent, notused, detail).
    return "\n".join(str(row[-1]) for row in rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--sizes", help="comma-separated member counts, each on a fresh schema")
    parser.add_argument("--asks", type=int, default=50)
    parser.add_argument("--reset", action="store_true",
                        help="drop every table first (scratch databases only)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.members]
    for size in sizes:
        print(f"\n=== {size} members ===")
        run(args.database_url, members=size, asks=args.asks, reset=args.reset)


if __name__ == "__main__":
    main()
