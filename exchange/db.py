"""Engine, session factory and the declarative base.

One engine and one ``sessionmaker`` per process (``Database``), built from a URL so the web
app, workers and CLI share it without an app context. SQLite runs in WAL mode with a busy
timeout and foreign keys on, so concurrent writers queue instead of failing; timestamps are
stored in UTC and always come back timezone-aware on both databases. On SQLite only a unit of
work that may write takes the write lock when it begins; reads never wait for a writer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
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


def _sqlite_begin(conn):
    # A unit of work that may write takes the write lock at BEGIN (IMMEDIATE), so read-then-
    # write transactions queue on busy_timeout instead of failing with "database is locked"
    # when two upgrade at once. One that only reads (``Database.session(write=False)``) begins
    # DEFERRED: in WAL mode it reads its snapshot while a writer works, and holds nobody up.
    mode = conn.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


BEGIN_OPTION = "exchange_sqlite_begin"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # JIT off: the matching pool query's cost estimate crosses PostgreSQL's JIT thresholds and
    # compiling it took 0.3 s at 10k members and 2.9 s at 100k, far more than the query itself.
    connect_args = {"options": "-c jit=off"} if url.startswith("postgresql") else {}
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True,
                         connect_args=connect_args)


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
