"""Back up and restore (issue 13 item 8): a living exchange's PostgreSQL database, dumped with
``pg_dump`` and restored with ``pg_restore`` into a fresh database, passes ``exchange audit
verify`` and ``exchange ledger verify`` (the real command line, as an operator runs it) and
serves: its members sign in with their old tokens, see their asks and minutes, and new asks
get ids after the old ones. Scratch databases of its own on the local server, whichever
backend the rest of the suite runs on; docs/operations.md has the commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from exchange import migrate
from exchange.config import Settings
from exchange.dispatch import Dispatcher
from exchange.members.admin import set_role
from exchange.members.models import Member
from exchange.uow import UnitOfWork
from tests.conftest import Api

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
EXCHANGE = str(Path(sys.executable).with_name("exchange"))


@pytest.fixture
def databases():
    """Two empty scratch databases: where the exchange lives, and where it is restored."""
    names = [f"restore_{uuid4().hex[:10]}_{side}" for side in ("live", "back")]
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield [str(make_url(SERVER).set(database=name)) for name in names]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def serve(tmp_path):
    """``serve(url)``: the app on that database; its connections closed after the test."""
    from web import create_app
    apps = []

    def make(url: str):
        settings = Settings.from_env({"EXCHANGE_ENV": "test", "EXCHANGE_DATABASE_URL": url,
                                      "EXCHANGE_INSTANCE_DIR": str(tmp_path / "instance")})
        apps.append(create_app(settings))
        return apps[-1]
    yield make
    for app in apps:
        app.extensions["exchange"].db.dispose()


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "EXCHANGE_DATABASE_URL": url, "EXCHANGE_ENV": "test"}
    env.pop("EXCHANGE_REDIS_URL", None)
    return subprocess.run([EXCHANGE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_a_dump_restored_into_a_fresh_database_verifies_and_serves(databases, serve, tmp_path):
    live, back = databases
    migrate.upgrade(live)
    app = serve(live)
    api = Api(app.test_client())
    alice, bob, moddy = api.member("alice"), api.member("bob"), api.member("moddy")
    with UnitOfWork(app.extensions["exchange"].db, Dispatcher(), None) as uow:
        set_role(uow, member=uow.session.get(Member, moddy["id"]), role="moderator")
        uow.commit()
    done = api.confirmed(alice, bob, minutes=25, title="Proofread my cover letter please")
    assert api.call(alice, "POST", f"/asks/{done['id']}/thanks",
                    json={"message": "Thank you!", "impact": "I sent it"}).status_code == 201
    api.confirmed(bob, alice, minutes=10, title="Explain a pivot table to me")
    spam = api.ask(bob, title="Selling old bikes, message me")
    assert api.call(moddy, "POST", f"/mod/asks/{spam['id']}/hide",
                    json={"reason": "Sales belong elsewhere."}).status_code == 200
    before = {who["handle"]: api.call(who, "GET", "/me/balance").get_json()
              for who in (alice, bob)}
    asked = [a["id"] for a in api.call(alice, "GET", "/asks?mine=asked").get_json()["items"]]

    dump = tmp_path / "exchange.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump),
                    _libpq(live)], check=True, timeout=120)
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq(back),
                    str(dump)], check=True, timeout=120)

    for command in (("ledger", "verify"), ("audit", "verify")):
        result = _cli(back, *command)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    restored = Api(serve(back).test_client())  # the same tokens, a new process
    for who in (alice, bob):
        assert restored.call(who, "GET", "/me/balance").get_json() == before[who["handle"]]
    assert [a["id"] for a in restored.call(alice, "GET", "/asks?mine=asked").get_json()[
        "items"]] == asked
    fresh = restored.ask(alice, title="After the restore: one more small ask")
    assert fresh["id"] > max(asked + [spam["id"]])  # the sequences came back too

