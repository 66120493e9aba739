"""Alembic migrations agree with the models and can go down and back up.

Down-and-up runs on a scratch database (a temporary file on SQLite, ``<test db>_scratch`` on
PostgreSQL) so the shared test schema is never dropped under other tests.
"""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from exchange import migrate
from exchange.db import make_engine
from exchange.models import Base

pytestmark = pytest.mark.slow


@pytest.fixture
def scratch_url(database_url, tmp_path):
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"{url.database}_scratch"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _head() -> str:
    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()


def test_the_test_database_is_migrated_to_the_head_revision(db, database_url):
    assert migrate.current(database_url) == _head()


def test_the_migrated_test_database_has_no_diff_with_the_models(db, database_url):
    migrate.check(database_url)


def test_upgrading_an_empty_database_creates_every_model_table(scratch_url):
    migrate.upgrade(scratch_url)
    assert _tables(scratch_url) == set(Base.metadata.tables) | {"alembic_version"}


def test_upgrading_an_empty_database_leaves_no_diff_with_the_models(scratch_url):
    migrate.upgrade(scratch_url)
    migrate.check(scratch_url)


def test_downgrading_to_base_removes_every_model_table(scratch_url):
    migrate.upgrade(scratch_url)
    migrate.downgrade(scratch_url, "base")
    assert _tables(scratch_url) == {"alembic_version"}
    assert migrate.current(scratch_url) is None


def test_upgrading_again_after_a_full_downgrade_leaves_no_diff(scratch_url):
    migrate.upgrade(scratch_url)
    migrate.downgrade(scratch_url, "base")
    migrate.upgrade(scratch_url)
    assert migrate.current(scratch_url) == _head()
    migrate.check(scratch_url)


def test_every_revision_steps_down_and_back_up(scratch_url):
    script = ScriptDirectory.from_config(migrate.alembic_config(scratch_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        migrate.upgrade(scratch_url, revision)
        migrate.downgrade(scratch_url, "-1")
        migrate.upgrade(scratch_url, revision)
        assert migrate.current(scratch_url) == revision
