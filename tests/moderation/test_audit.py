"""The audit log: one entry per action, filterable, append-only, hash-chained and verifiable."""

from __future__ import annotations

import ast
import inspect
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from exchange.clock import utcnow
from exchange.moderation import actions, audit, sanctions, service
from exchange.moderation.models import AuditEntry
from tests.fixtures.databases import guards_lifted


def entries(db) -> list[AuditEntry]:
    with db.session() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def read(api, who, query=""):
    r = api.call(who, "GET", f"/mod/audit{query}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def test_a_resolution_writes_one_entry_naming_actor_target_and_reason(api, flagged, mod, db):
    _, ask, flag_id = flagged()
    api.call(mod, "POST", f"/mod/flags/{flag_id}/resolve", json={"action": "hide",
                                                                 "reason": "spam link"})
    [entry] = entries(db)
    assert (entry.actor_id, entry.action, entry.target_type, entry.target_id, entry.reason) == \
        (mod["id"], "hide", "ask", ask["id"], "spam link")


def test_suspend_and_reinstate_each_write_an_entry(api, mod, db):
    member = api.member()
    api.call(mod, "POST", f"/mod/members/{member['handle']}/suspend",
             json={"days": 2, "reason": "heated"})
    api.call(mod, "POST", f"/mod/members/{member['handle']}/reinstate", json={"reason": "ok"})
    assert [(e.action, e.target_id) for e in entries(db)] == \
        [("suspend", member["id"]), ("reinstate", member["id"])]


def test_a_role_change_records_before_and_after(api, admin, db):
    member = api.member()
    api.call(admin, "POST", f"/mod/members/{member['handle']}/role", json={"role": "moderator"})
    assert entries(db)[0].data == {"from": "member", "to": "moderator"}


def test_an_automatic_hide_is_recorded_as_the_systems(api, flag, db):
    ask = api.ask(api.member())
    for _ in range(3):
        flag(api.member(), "ask", ask["id"])
    assert [(e.actor_id, e.action) for e in entries(db)] == [(None, "auto_hide")]


def test_the_audit_log_filters_by_actor_and_action(api, mod, promote):
    other = promote(api.member(), "moderator")
    ask = api.ask(api.member())
    api.call(mod, "POST", f"/mod/asks/{ask['id']}/hide")
    api.call(other, "POST", f"/mod/asks/{ask['id']}/restore")
    assert [e["action"] for e in read(api, mod, f"?actor={other['handle']}")] == ["restore"]
    assert [e["actor"]["handle"] for e in read(api, mod, "?action=hide")] == [mod["handle"]]


def test_the_audit_log_filters_by_target(api, mod):
    first, second = api.ask(api.member()), api.ask(api.member())
    for ask in (first, second):
        api.call(mod, "POST", f"/mod/asks/{ask['id']}/hide")
    items = read(api, mod, f"?target_type=ask&target_id={second['id']}")
    assert [e["target_id"] for e in items] == [second["id"]]


def test_the_audit_log_pages_newest_first_with_a_cursor(api, mod):
    ask = api.ask(api.member())
    for name in ("hide", "restore", "hide"):
        api.call(mod, "POST", f"/mod/asks/{ask['id']}/{name}")
    first = api.call(mod, "GET", "/mod/audit?limit=2").get_json()
    rest = read(api, mod, f"?limit=2&cursor={first['next_cursor']}")
    assert [e["action"] for e in first["items"] + rest] == ["hide", "restore", "hide"]


def test_each_entry_chains_to_the_one_before(api, mod, db):
    ask = api.ask(api.member())
    api.call(mod, "POST", f"/mod/asks/{ask['id']}/hide")
    api.call(mod, "POST", f"/mod/asks/{ask['id']}/restore")
    first, second = entries(db)
    assert (first.prev_hash, second.prev_hash) == (audit.GENESIS, first.hash)


def test_verify_passes_on_an_intact_chain(api, mod, run_cli):
    ask = api.ask(api.member())
    api.call(mod, "POST", f"/mod/asks/{ask['id']}/hide")
    api.call(mod, "POST", f"/mod/asks/{ask['id']}/restore")
    result = run_cli("audit", "verify")
    assert (result.exit_code, result.output.startswith("OK")) == (0, True)


def test_verify_names_a_row_altered_behind_the_apps_back(api, mod, run_cli, db):
    ask = api.ask(api.member())
    for name in ("hide", "restore", "hide"):
        api.call(mod, "POST", f"/mod/asks/{ask['id']}/{name}")
    middle = entries(db)[1].id
    with db.engine.begin() as conn, guards_lifted(conn):  # a privileged hand, not the app
        conn.execute(text("UPDATE audit_log SET reason = 'nothing to see' WHERE id = :id"),
                     {"id": middle})
    result = run_cli("audit", "verify")
    assert result.exit_code == 1
    assert f"entry {middle}" in result.output


def _touches_audit_rows(module) -> list[str]:
    """Calls in a module's source that could change audit rows (update/delete statements)."""
    tree = ast.parse(inspect.getsource(module))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return sorted(names & {"update", "delete"}) if "AuditEntry" in names else []


def test_no_moderation_module_that_knows_audit_rows_updates_or_deletes(db):
    offenders = {m.__name__: _touches_audit_rows(m) for m in (audit, actions, sanctions, service)}
    assert all(found == [] for found in offenders.values()), offenders


def _audit_routes_methods(app) -> set[str]:
    return {m for rule in app.url_map.iter_rules() if "audit" in rule.rule
            for m in rule.methods} - {"HEAD", "OPTIONS"}


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET reason = 'rewritten'",
                                       "DELETE FROM audit_log"])
def test_audit_rows_cannot_be_changed_behind_the_log(api, mod, db, app, statement):
    ask = api.ask(api.member())
    api.call(mod, "POST", f"/mod/asks/{ask['id']}/hide", json={"reason": "spam"})
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))
    assert [e.reason for e in entries(db)] == ["spam"]  # the row is untouched
    assert _audit_routes_methods(app) == {"GET"}  # and no route offers anything but reading
    assert api.call(mod, "DELETE", "/mod/audit").status_code == 405


def test_the_audit_log_filters_by_the_member_it_is_about(api, mod, flag):
    robin, other = api.member("robin"), api.member("other")
    ask = api.ask(robin)
    talk = api.matched(robin, other, title="Talk me through a sourdough starter")
    r = api.call(other, "POST", f"/asks/{talk['id']}/messages", json={"body": "Buy my course!"})
    message = r.get_json()
    r = flag(robin, "message", message["id"])
    api.call(mod, "POST", f"/mod/flags/{r.get_json()['id']}/resolve",
             json={"action": "hide", "reason": "An advert."})
    api.call(mod, "POST", f"/mod/asks/{ask['id']}/hide", json={"reason": "Off topic."})
    api.call(mod, "POST", "/mod/members/robin/warn", json={"reason": "Be kind."})
    assert [(e["action"], e["target_type"]) for e in read(api, mod, "?member=robin")] == [
        ("warn", "member"), ("hide", "ask")]
    assert [(e["target_type"], e["about"]["handle"]) for e in read(api, mod, "?member=other")] \
        == [("message", "other")]
    assert read(api, mod, "?member=nobody_here") == []


def test_the_audit_log_filters_by_days_both_included(api, mod, db):
    ask = api.ask(api.member())
    for name in ("hide", "restore", "hide"):
        api.call(mod, "POST", f"/mod/asks/{ask['id']}/{name}", json={"reason": name})
    today = utcnow().date()
    with db.engine.begin() as conn, guards_lifted(conn):  # the first, three days ago
        first = conn.scalar(select(AuditEntry.id).order_by(AuditEntry.id).limit(1))
        conn.execute(update(AuditEntry).where(AuditEntry.id == first)
                     .values(created_at=utcnow() - timedelta(days=3)))
    day = (today - timedelta(days=3)).isoformat()
    assert [e["reason"] for e in read(api, mod, f"?since={day}&until={day}")] == ["hide"]
    assert [e["reason"] for e in read(api, mod, f"?since={today.isoformat()}")] == [
        "hide", "restore"]
    assert [e["reason"] for e in read(api, mod, f"?until={day}")] == ["hide"]


@pytest.mark.parametrize(("query", "field", "words"), [
    ("?since=2026-05-02&until=2026-05-01", "until",
     "Please choose an end date on or after the start date."),
    ("?action=delete_everything", "action",
     "Please choose one of the kinds of action in the list."),
    ("?actor=Not%20A%20Handle", "actor", "A handle is 3 to 30 lowercase letters, digits or '_', "
                                         "like sam_reads."),
    ("?member=x", "member", "A handle is 3 to 30 lowercase letters, digits or '_', "
                            "like sam_reads."),
    ("?since=yesterday", "since", None),
])
def test_a_bad_filter_is_a_422_naming_the_field(api, mod, query, field, words):
    r = api.call(mod, "GET", f"/mod/audit{query}")
    assert r.status_code == 422, r.get_json()
    errors = r.get_json()["errors"]["query"]
    assert list(errors) == [field]
    if words is not None:
        assert errors[field] == [words]
