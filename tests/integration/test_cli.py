"""The ``exchange`` console script: migrations, the demo community, admins, and serving."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import func, select

from exchange import migrate
from exchange.asks.models import Ask, Thanks
from exchange.conversation.models import Message
from exchange.demo import DEMO_PASSWORD
from exchange.ledger import service as ledger
from exchange.ledger.models import MemberTotals
from exchange.members.models import Member
from exchange.models import Base
from tests.waiting import wait_until
from web.cli import cli

ADMIN_PASSWORD = "lantern-harbour-violet"


@pytest.fixture
def run(app, monkeypatch):
    """``run("db", "upgrade")``: the CLI against the test app and its database."""
    # FlaskGroup flags the process as CLI-run and would read a stray .env; keep both local.
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    runner = app.test_cli_runner()
    return lambda *args, input=None: runner.invoke(cli, list(args), input=input)


def row_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables}


def count(db, query) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(query.subquery()))


def test_help_lists_the_contract_commands():
    result = CliRunner().invoke(cli, ["--help"], env={"FLASK_SKIP_DOTENV": "1",
                                                    "FLASK_RUN_FROM_CLI": "false"})
    assert result.exit_code == 0
    for command in ("serve", "db", "demo", "admin"):
        assert f"  {command} " in result.output


def test_the_apps_own_cli_offers_the_same_commands(app):
    assert {"serve", "db", "demo", "admin"} <= set(app.cli.commands)


def test_db_upgrade_is_a_no_op_on_an_up_to_date_database(run, db, database_url):
    head = ScriptDirectory.from_config(migrate.alembic_config(database_url)).get_current_head()
    before = row_counts(db)
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"revision {head}" in result.output
    assert migrate.current(database_url) == head
    assert row_counts(db) == before


def test_db_check_finds_the_models_and_migrations_agree(run, db):
    result = run("db", "check")
    assert result.exit_code == 0, result.output
    assert "agree" in result.output


@pytest.mark.slow  # seeding hashes a dozen passwords with argon2
def test_demo_seeds_members_a_moderator_and_asks_in_every_stage(run, db):
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert count(db, select(Member)) == 12
    assert count(db, select(Member).where(Member.role == "moderator")) == 1
    with db.session() as s:
        statuses = set(s.scalars(select(Ask.status)))
    assert statuses == {"open", "matched", "confirmed"}
    assert count(db, select(Thanks)) > 0 and count(db, select(Message)) > 0


@pytest.mark.slow  # seeding hashes a dozen passwords with argon2
def test_running_demo_twice_adds_nothing(run, db):
    assert run("demo").exit_code == 0
    seeded = row_counts(db)
    again = run("demo")
    assert again.exit_code == 0, again.output
    assert "already here" in again.output
    assert row_counts(db) == seeded


@pytest.mark.slow  # seeding hashes a dozen passwords with argon2
def test_demo_ledger_sums_to_zero_and_cached_totals_match_the_entries(run, db):
    assert run("demo").exit_code == 0
    with db.session() as s:
        assert ledger.entries_total(s) == 0
        sums = ledger.sums_by_member(s)
        cached = {t.member_id: (t.given_minutes, t.received_minutes)
                  for t in s.scalars(select(MemberTotals))}
    assert sums and cached == sums


@pytest.mark.slow  # seeding hashes a dozen passwords with argon2
def test_demo_members_sign_in_with_the_printed_password(run, db, client):
    result = run("demo")
    assert DEMO_PASSWORD in result.output
    r = client.post("/api/v1/auth/tokens", json={"login": "maya", "password": DEMO_PASSWORD})
    assert r.status_code == 201
    assert r.get_json()["member"]["role"] == "moderator"


def test_admin_create_reads_the_password_from_stdin_and_the_admin_can_get_a_token(run, client):
    result = run("admin", "create", "root", "root@example.org", "--password-stdin",
                 input=ADMIN_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    r = client.post("/api/v1/auth/tokens", json={"login": "root", "password": ADMIN_PASSWORD})
    assert r.status_code == 201
    assert r.get_json()["member"]["role"] == "admin"


def test_admin_create_prompts_for_the_password_twice(run, client):
    result = run("admin", "create", "root", "root@example.org", "--display-name", "The Root",
                 input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    r = client.post("/api/v1/auth/tokens", json={"login": "root", "password": ADMIN_PASSWORD})
    assert r.get_json()["member"]["display_name"] == "The Root"


def test_admin_create_refuses_a_weak_password(run, db):
    result = run("admin", "create", "root", "root@example.org", "--password-stdin",
                 input="short\n")
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert count(db, select(Member)) == 0


def test_admin_create_refuses_a_taken_handle(run, db):
    first = run("admin", "create", "root", "root@example.org", "--password-stdin",
                input=ADMIN_PASSWORD + "\n")
    assert first.exit_code == 0, first.output
    again = run("admin", "create", "root", "other@example.org", "--password-stdin",
                input=ADMIN_PASSWORD + "\n")
    assert again.exit_code != 0
    assert "handle is taken" in again.output
    assert count(db, select(Member)) == 1


def test_admin_create_refuses_a_malformed_handle_before_asking_for_a_password(run, db):
    result = run("admin", "create", "Not A Handle", "root@example.org")
    assert result.exit_code != 0
    assert "handle:" in result.output and "Password" not in result.output
    assert count(db, select(Member)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def healthy(base: str, proc: subprocess.Popen, log: Path) -> bool:
    assert proc.poll() is None, f"exchange serve exited early:\n{log.read_text()}"
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.slow
def test_serve_migrates_a_fresh_instance_and_answers_the_api(tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXCHANGE_", "FLASK_"))}
    env.update(EXCHANGE_ENV="development", EXCHANGE_INSTANCE_DIR=str(tmp_path / "instance"),
               FLASK_SKIP_DOTENV="1")
    script = Path(sys.executable).parent / "exchange"
    with log.open("w") as out:
        proc = subprocess.Popen([str(script), "serve", "--port", str(port)], cwd=tmp_path,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: healthy(base, proc, log), timeout=60, every=0.1), \
            f"exchange serve never became healthy:\n{log.read_text()}"
        status, body = post_json(base + "/api/v1/auth/register", {
            "handle": "first_member", "email": "first@example.org",
            "password": ADMIN_PASSWORD, "display_name": "First"})
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert status == 201, body
    assert (tmp_path / "instance" / "exchange.db").exists()
    assert proc.returncode is not None
