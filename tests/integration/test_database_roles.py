"""The shipped roles (deploy/postgres-init.sql, mounted by docker-compose.yml): migrations run as
the database's owner, web and workers as a role that owns no table. This runs the very script
with psql, as the postgres image does on its first start, migrates with the real command line
as the owner, then lives a whole exchange as the application's role — and shows that role
cannot lift the guards that keep the ledger and the audit log append-only. PostgreSQL only
(SQLite has no roles), on scratch databases and roles of its own, whichever backend the rest
of the suite runs on."""

from __future__ import annotations

import subprocess
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from exchange.dispatch import Dispatcher
from exchange.members.admin import set_role
from exchange.members.models import Member
from exchange.uow import UnitOfWork
from tests.conftest import Api
from tests.integration.test_backup_restore import _cli, serve  # noqa: F401 - serve: a fixture

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "postgres-init.sql"
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def deployment():
    """A database owned by a plain role (not a superuser: the owner's powers, no more), with
    the init script run on it; the owner's and the application's URLs."""
    tag = uuid4().hex[:10]
    owner, app, name = f"owner_{tag}", f"app_{tag}", f"roles_{tag}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN'))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
    url = make_url(SERVER).set(database=name)
    try:
        ran = subprocess.run(
            ["psql", "-X", "-q", "-v", f"owner={owner}", "-v", f"app={app}",
             "-v", "app_password=not-used-with-trust-auth", "-f", str(SCRIPT),
             url.set(drivername="postgresql").render_as_string(hide_password=False)],
            capture_output=True, text=True, timeout=60)
        assert ran.returncode == 0 and not ran.stderr, ran.stderr
        yield str(url.set(username=owner)), str(url.set(username=app))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            for role in (app, owner):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def _refused(url: str, statement: str) -> str:
    engine = create_engine(url)
    try:
        with engine.begin() as conn, pytest.raises(DBAPIError) as refused:
            conn.execute(text(statement))
        return str(refused.value.orig)
    finally:
        engine.dispose()


def test_the_application_role_runs_the_exchange_and_cannot_lift_its_guards(deployment, serve):  # noqa: F811
    owner_url, app_url = deployment
    migrated = _cli(owner_url, "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr

    app = serve(app_url)
    api = Api(app.test_client())
    alice, bob, moddy = api.member("alice"), api.member("bob"), api.member("moddy")
    with UnitOfWork(app.extensions["exchange"].db, Dispatcher(), None) as uow:
        set_role(uow, member=uow.session.get(Member, moddy["id"]), role="moderator")
        uow.commit()
    done = api.confirmed(alice, bob, minutes=20, title="Check my budget spreadsheet")
    assert api.call(alice, "POST", f"/asks/{done['id']}/thanks",
                    json={"message": "Thank you!", "impact": "It balances"}).status_code == 201
    spam = api.ask(bob, title="Selling old bikes, message me")
    assert api.call(moddy, "POST", f"/mod/asks/{spam['id']}/hide",
                    json={"reason": "Sales belong elsewhere."}).status_code == 200
    assert api.call(bob, "GET", "/me/balance").get_json()["given_minutes"] == 20
    for command in (("ledger", "verify"), ("audit", "verify")):
        checked = _cli(app_url, *command)
        assert checked.returncode == 0, (command, checked.stdout, checked.stderr)

    assert "append-only" in _refused(app_url, "DELETE FROM audit_log")
    assert "append-only" in _refused(app_url, "DELETE FROM entries")
    assert "must be owner" in _refused(
        app_url, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    assert "permission denied" in _refused(app_url, "SET session_replication_role = replica")
    assert "permission denied" in _refused(app_url, "CREATE TABLE mine (id int)")
    assert "must be owner" in _refused(app_url, "DROP TABLE audit_log")
