"""The moderators' view of one member (``GET /mod/members/{handle}``) and a direct warning
(``POST /mod/members/{handle}/warn``): asks with states, flags against them and their content,
earlier actions about them from the audit log, trust level, and what this moderator may do."""

from __future__ import annotations

from sqlalchemy import select

from exchange.moderation.models import AuditEntry
from exchange.notifications.models import Notification


def _view(api, who, handle):
    r = api.call(who, "GET", f"/mod/members/{handle}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_the_view_gathers_asks_flags_actions_and_trust(api, mod, flag):
    robin, helper = api.member("robin"), api.member()
    api.confirmed(robin, helper, title="Check my Python loop please")
    spam = api.ask(robin, title="Buy my miracle course, link inside")
    assert flag(api.member(), "ask", spam["id"], "spam", note="An advert.").status_code == 201
    assert flag(api.member(), "member", robin["id"], "harassment").status_code == 201
    r = api.call(mod, "POST", f"/mod/asks/{spam['id']}/hide", json={"reason": "An advert."})
    assert r.status_code == 200, r.get_json()
    view = _view(api, mod, "robin")
    assert view["member"]["handle"] == "robin" and view["member"]["status"] == "active"
    assert view["member"]["trust_level"] == 1  # one confirmed exchange
    assert [(a["title"], a["status"], a["hidden"]) for a in view["asks"]] == [
        ("Buy my miracle course, link inside", "open", True),
        ("Check my Python loop please", "confirmed", False)]
    assert sorted((f["target_type"], f["reason"], f["status"]) for f in view["flags"]) == [
        ("ask", "spam", "open"), ("member", "harassment", "open")]
    assert [(e["action"], e["target_type"], e["reason"], e["actor"]["handle"],
             e["about"]["handle"]) for e in view["actions"]] == [
        ("hide", "ask", "An advert.", mod["handle"], "robin")]
    assert view["may"] == ["warn", "hide", "restore", "suspend", "reinstate"]


def test_another_members_actions_stay_out_of_the_view(api, mod):
    api.member("robin")
    other = api.member("other")
    theirs = api.ask(other)
    api.call(mod, "POST", f"/mod/asks/{theirs['id']}/hide", json={"reason": "Off topic."})
    api.call(mod, "POST", f"/mod/members/{other['handle']}/warn", json={"reason": "Be kind."})
    assert _view(api, mod, "robin")["actions"] == []
    assert [e["action"] for e in _view(api, mod, "other")["actions"]] == ["warn", "hide"]


def test_a_moderator_may_not_act_on_themselves_or_an_admin(api, mod, admin):
    assert _view(api, mod, mod["handle"])["may"] == []
    assert _view(api, mod, admin["handle"])["may"] == []
    assert _view(api, admin, mod["handle"])["may"] == [
        "warn", "hide", "restore", "suspend", "reinstate"]


def test_an_unknown_member_is_404_and_members_are_refused(api, mod):
    assert api.call(mod, "GET", "/mod/members/nobody_here").status_code == 404
    member = api.member()
    r = api.call(member, "GET", f"/mod/members/{member['handle']}")
    assert (r.status_code, r.get_json()["reason"]) == (403, "not_moderator")


def test_a_warning_reaches_the_member_with_the_reason_and_is_audited(api, mod, db):
    robin = api.member("robin")
    r = api.call(mod, "POST", "/mod/members/robin/warn",
                 json={"reason": "Please keep replies kind."})
    assert r.status_code == 200, r.get_json()
    with db.session() as s:
        [note] = s.scalars(select(Notification).where(Notification.member_id == robin["id"],
                                                      Notification.kind == "mod.warning"))
        [entry] = s.scalars(select(AuditEntry))
    assert (note.data["action"], note.data["reason"]) == ("warned", "Please keep replies kind.")
    assert (entry.action, entry.target_type, entry.target_id, entry.actor_id) == (
        "warn", "member", robin["id"], mod["id"])


def test_an_empty_or_blank_reason_is_a_kind_sentence_on_the_field(api, mod):
    api.member("robin")
    for reason in ("", "   "):
        for path, extra in (("warn", {}), ("suspend", {"days": 3})):
            r = api.call(mod, "POST", f"/mod/members/robin/{path}",
                         json={"reason": reason, **extra})
            assert r.status_code == 422, r.get_json()
            assert r.get_json()["errors"]["json"] == {"reason": [
                "Please give a reason in a few kind words: the member may read it."]}
