"""Shared fixtures: a real database (SQLite file or PostgreSQL), the app, an API helper; real
Redis and RQ (``tests/fixtures/jobs.py``), live ``exchange serve`` processes
(``tests/fixtures/live.py``), a real SMTP server (``tests/fixtures/smtp.py``) and a Web Push
service (``tests/fixtures/push_service.py``), registered for the whole suite through
``pytest_plugins``.

Which database: ``EXCHANGE_TEST_DB=sqlite`` (default) or ``postgresql``.
``EXCHANGE_TEST_DATABASE_URL`` replaces the default database *of the backend it names*
(PostgreSQL: ``postgresql+psycopg://postgres@127.0.0.1:5432/test``; SQLite: a fresh tmp file)
and is ignored by a run of the other backend, so ``scripts/test`` with a PostgreSQL URL set
still runs its SQLite half on SQLite. With no ``EXCHANGE_TEST_DB`` the URL's backend is used.

In parallel (``pytest -n N``, pytest-xdist) each worker has a database of its own: on
PostgreSQL ``<database>_gw0``, ``<database>_gw1``, … created from a connection to the named
database when missing; on SQLite a tmp file per worker (or ``<file>_gw0.db`` for a given file).
Redis likewise: worker N uses database ``EXCHANGE_TEST_REDIS_URL``'s + N.

The schema is built by the Alembic migrations once per run (per worker); every test then
starts from empty tables (rows deleted after each test), which — unlike savepoint-per-test —
lets race tests use real threads with their own connections.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import count

import pytest
from sqlalchemy import text

from exchange import migrate
from exchange.config import Settings
from exchange.db import Database
from exchange.dispatch import Dispatcher
from exchange.models import Base
from exchange.uow import UnitOfWork
from tests.fixtures.databases import database_url_for_this_process, guards_lifted

pytest_plugins = ["tests.fixtures.jobs", "tests.fixtures.live", "tests.fixtures.smtp",
                  "tests.fixtures.push_service"]

PASSWORD = "correct horse battery"


def pytest_configure(config):
    """Argon2 at production cost is ~0.3 s a hash here and most tests register members: the
    suite hashes with a cheap argon2id instead (same code path, same hash format).
    ``tests/unit/test_passwords.py`` checks the production parameters themselves."""
    from argon2 import PasswordHasher

    from exchange.members import passwords
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _reset_schema(db: Database) -> None:
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return database_url_for_this_process(tmp_path_factory)


@pytest.fixture(scope="session")
def db(database_url) -> Database:
    database = Database(database_url)
    _reset_schema(database)
    migrate.upgrade(database_url)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request):
    yield
    if "db" not in request.fixturenames:
        return
    empty_tables(request.getfixturevalue("db"))


def empty_tables(database: Database) -> None:
    """Every row gone, schema kept. DELETE, child tables first: on these small tables it is
    ~30x cheaper than TRUNCATE on PostgreSQL. Ids keep counting up; no test relies on them."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as conn, guards_lifted(conn):  # ledger, audit: append-only
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    env = {"EXCHANGE_ENV": "test", "EXCHANGE_DATABASE_URL": database_url,
           "EXCHANGE_INSTANCE_DIR": str(tmp_path / "instance")}
    return Settings.from_env(env)


@pytest.fixture
def dispatcher() -> Dispatcher:
    return Dispatcher()


@pytest.fixture
def make_uow(db, dispatcher, settings):
    """``with make_uow() as uow: ...`` — a unit of work on the test database."""
    return lambda: UnitOfWork(db, dispatcher, settings)


@pytest.fixture
def promote(make_uow):
    """``promote(who)`` makes a member (``who`` from ``Api.member``) a moderator."""
    def make(who, role: str = "moderator"):
        from exchange.members.models import Member
        with make_uow() as uow:
            uow.session.get(Member, who["id"]).role = role
            uow.commit()
        return who
    return make


@pytest.fixture
def app(settings, db, dispatcher):
    from web import create_app
    return create_app(settings, db=db, dispatcher=dispatcher)


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """Thin helper over the Flask test client: members with tokens, JSON calls."""

    def __init__(self, client):
        self.client = client
        self._n = count(1)

    def member(self, handle: str | None = None, **profile) -> dict:
        handle = handle or f"member{next(self._n)}"
        body = {"handle": handle, "email": f"{handle}@example.org", "password": PASSWORD,
                "display_name": handle.title()}
        r = self.client.post("/api/v1/auth/register", json=body)
        assert r.status_code == 201, r.get_json()
        r = self.client.post("/api/v1/auth/tokens", json={"login": handle, "password": PASSWORD})
        assert r.status_code == 201, r.get_json()
        who = {"handle": handle, "id": r.get_json()["member"]["id"],
               "headers": {"Authorization": f"Bearer {r.get_json()['token']}"}}
        if profile:
            r = self.call(who, "PATCH", "/me", json=profile)
            assert r.status_code == 200, r.get_json()
        return who

    def call(self, who, method: str, path: str, **kwargs):
        headers = dict(who["headers"]) if who else {}
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def ask(self, who, **fields) -> dict:
        body = {"title": "Read one paragraph of my essay", "minutes": 15, **fields}
        r = self.call(who, "POST", "/asks", json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def matched(self, author, helper, **fields) -> dict:
        ask = self.ask(author, **fields)
        r = self.call(helper, "POST", f"/asks/{ask['id']}/accept")
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def confirmed(self, author, helper, minutes: int | None = None, **fields) -> dict:
        ask = self.matched(author, helper, **fields)
        body = {"minutes": minutes} if minutes else {}
        r = self.call(author, "POST", f"/asks/{ask['id']}/confirm", json=body)
        assert r.status_code == 200, r.get_json()
        return r.get_json()


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def no_rate_limits(settings):
    return replace(settings, rate_limits=False)


@pytest.fixture
def run_cli(app, monkeypatch):
    """``run_cli("ledger", "verify")``: the ``exchange`` command line against the test app and
    its database, in this process (Click's test runner)."""
    from web.cli import cli
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(cli, list(args))
