"""Engine, session factory and the declarative base.

One engine and one ``sessionmaker`` per process (``Database``), built from a URL so the web
app, workers and CLI share it without an app context. SQLite runs in WAL mode with a busy
timeout and foreign keys on, so concurrent writers queue instead of failing; timestamps are
stored in UTC and always come back timezone-aware on both databases. On SQLite only a unit of
work that may write takes the write lock when it begins; reads never wait for a writer.
Writers of one process queue on a lock of the process's own first (cooperative under gevent:
``_sqlite_begin``).
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, exc
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _local_minute_of_week(epoch_seconds, tz):
    """SQLite has no time zones: the candidate query's ``local_minute_of_week(t, tz)``."""
    if epoch_seconds is None or tz is None:
        return None
    local = datetime.fromtimestamp(epoch_seconds, ZoneInfo(tz))
    return local.weekday() * 1440 + local.hour * 60 + local.minute


def _sqlite_pragmas(dbapi_conn, _record):
    dbapi_conn.create_function("exchange_local_mow", 2, _local_minute_of_week,
                               deterministic=True)
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


BEGIN_OPTION = "exchange_sqlite_begin"
WRITE_LOCK_TIMEOUT = 30.0  # as long as SQLite's own busy_timeout below
_HOLDS = "exchange_write_lock"  # in a DBAPI connection's ``info``: it holds the process lock
_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(url: str) -> threading.Lock:
    """One lock per SQLite database per process, shared by every engine on that file.

    Created when the first engine is made, so in a gevent-patched process (``exchange serve``)
    ``threading.Lock`` is gevent's cooperative lock."""
    with _write_locks_guard:
        return _write_locks.setdefault(url, threading.Lock())


def _sqlite_begin(lock: threading.Lock):
    """Begin a SQLite transaction: IMMEDIATE for a unit of work that may write, DEFERRED for
    one that only reads (``Database.session(write=False)``).

    A writer takes the write lock at BEGIN, so read-then-write transactions queue instead of
    failing with "database is locked" when two upgrade at once; a reader in WAL mode reads its
    snapshot while a writer works, and holds nobody up. Writers of one process first queue on
    a process-wide lock, released at commit or rollback: SQLite's own wait for its lock is a
    busy-wait in C that never yields, so under gevent a greenlet waiting there would freeze the
    whole process (the lock's holder is another greenlet, which could never run to release
    it) until busy_timeout. Queued on this lock, a waiting greenlet yields instead; with
    threads it costs nothing. Writers in other processes (the worker) still meet SQLite's
    busy_timeout."""

    def begin(conn):
        mode = conn.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
        info = conn.connection.info
        if mode == "IMMEDIATE" and not info.get(_HOLDS):
            if not lock.acquire(timeout=WRITE_LOCK_TIMEOUT):
                raise sqlite3.OperationalError("database is locked (by this process's writers)")
            info[_HOLDS] = True
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            _release(conn)
            raise

    def _release(conn):
        # ``commit`` fires just before COMMIT runs: nothing yields in between under gevent;
        # with threads, a writer let in early meets SQLite's busy wait for the COMMIT's length.
        if conn.connection.info.pop(_HOLDS, False):
            lock.release()

    def checkin(_dbapi_conn, record):
        # A connection back in the pool never keeps the lock (one invalidated mid-transaction
        # may have skipped the rollback event).
        if record.info.pop(_HOLDS, False):
            lock.release()

    return begin, _release, checkin


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        begin, release, checkin = _sqlite_begin(_write_lock(url))
        event.listen(engine.pool, "checkin", checkin)
        event.listen(engine, "begin", begin)
        event.listen(engine, "commit", release)
        event.listen(engine, "rollback", release)
        return engine
    # JIT off: the matching pool query's cost estimate crosses PostgreSQL's JIT thresholds and
    # compiling it took 0.3 s at 10k members and 2.9 s at 100k, far more than the query itself.
    # With the server away, a connection attempt gives up after CONNECT_SECONDS and a wait for
    # a pooled connection after POOL_SECONDS, so a request fails (503) instead of hanging.
    connect_args = {"options": "-c jit=off", "connect_timeout": CONNECT_SECONDS} \
        if url.startswith("postgresql") else {}
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True,
                         pool_timeout=POOL_SECONDS, connect_args=connect_args)


CONNECT_SECONDS = 2  # libpq's connect_timeout takes whole seconds (and at least 2)
POOL_SECONDS = 2
UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError,
               exc.TimeoutError)


def unavailable(error: BaseException) -> bool:
    """The database could not be reached or dropped the connection (the server stopped, the
    network went, the pool stayed empty): a moment's outage to retry, not a fault in the code.
    SQLite's "database is locked" after its busy timeout is one too."""
    return isinstance(error, UNAVAILABLE)


class Database:
    """An engine and its session factories, built once per process: one for units of work that
    may write, one for those that only read (on SQLite they take no write lock; elsewhere the
    two are the same)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        readers = self.engine.execution_options(**{BEGIN_OPTION: "DEFERRED"})
        self.read_sessions = sessionmaker(readers, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, write: bool = True) -> Session:
        return self.sessions() if write else self.read_sessions()

    def dispose(self) -> None:
        self.engine.dispose()


def utc(dt: datetime | None) -> datetime | None:
    return None if dt is None else dt.astimezone(UTC)


def dialect_insert(session):
    """The dialect's own ``insert`` (PostgreSQL's or SQLite's), which has ``on_conflict_do_*``:
    both databases take ``INSERT … ON CONFLICT … RETURNING`` in one statement."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
