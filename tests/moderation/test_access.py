"""Who reaches the moderation routes, and the limits on moderators and admins."""

from __future__ import annotations

import pytest

ROUTES = [("GET", "/mod/flags"), ("GET", "/mod/audit"), ("POST", "/mod/flags/1/claim"),
          ("POST", "/mod/members/someone/reinstate")]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_members_get_403_on_mod_routes(api, method, path):
    assert api.call(api.member(), method, path, json={"reason": "x"}).status_code == 403


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_callers_get_401_on_mod_routes(api, method, path):
    assert api.call(None, method, path, json={"reason": "x"}).status_code == 401


def test_a_moderator_cannot_suspend_themselves(api, mod):
    r = api.call(mod, "POST", f"/mod/members/{mod['handle']}/suspend",
                 json={"days": 1, "reason": "x"})
    assert (r.status_code, r.get_json()["reason"]) == (403, "self")


def test_a_moderator_cannot_suspend_an_admin(api, mod, admin):
    r = api.call(mod, "POST", f"/mod/members/{admin['handle']}/suspend",
                 json={"days": 1, "reason": "x"})
    assert (r.status_code, r.get_json()["reason"]) == (403, "target_admin")


def test_a_moderator_cannot_hide_an_admins_ask(api, mod, admin):
    ask = api.ask(admin)
    assert api.call(mod, "POST", f"/mod/asks/{ask['id']}/hide").status_code == 403


def test_a_moderator_cannot_resolve_flags_on_their_own_ask(api, mod, flag):
    ask = api.ask(mod)
    flag_id = flag(api.member(), "ask", ask["id"]).get_json()["id"]
    r = api.call(mod, "POST", f"/mod/flags/{flag_id}/resolve",
                 json={"action": "dismiss", "reason": "fine"})
    assert r.status_code == 403


def test_a_moderator_cannot_change_roles(api, mod):
    r = api.call(mod, "POST", f"/mod/members/{api.member()['handle']}/role",
                 json={"role": "moderator"})
    assert (r.status_code, r.get_json()["reason"]) == (403, "admin_only")


def test_an_admin_can_make_a_member_a_moderator(api, admin):
    member = api.member()
    r = api.call(admin, "POST", f"/mod/members/{member['handle']}/role",
                 json={"role": "moderator"})
    assert (r.status_code, r.get_json()["role"]) == (200, "moderator")
    assert api.call(member, "GET", "/mod/flags").status_code == 200


def test_the_last_admin_cannot_step_down(api, admin):
    r = api.call(admin, "POST", f"/mod/members/{admin['handle']}/role", json={"role": "member"})
    assert (r.status_code, r.get_json()["reason"]) == (403, "last_admin")


def test_an_admin_can_step_down_when_another_admin_remains(api, admin, promote):
    promote(api.member(), "admin")
    r = api.call(admin, "POST", f"/mod/members/{admin['handle']}/role", json={"role": "member"})
    assert r.status_code == 200


def test_an_admin_cannot_be_banned_even_by_an_admin(api, admin, promote, flag):
    other = promote(api.member(), "admin")
    flag_id = flag(api.member(), "member", other["id"]).get_json()["id"]
    r = api.call(admin, "POST", f"/mod/flags/{flag_id}/resolve",
                 json={"action": "ban", "reason": "x"})
    assert r.status_code == 403


def test_an_admin_can_suspend_a_moderator(api, admin, mod):
    r = api.call(admin, "POST", f"/mod/members/{mod['handle']}/suspend",
                 json={"days": 1, "reason": "x"})
    assert (r.status_code, r.get_json()["status"]) == (200, "suspended")


def test_a_moderator_cannot_suspend_another_moderator(api, mod, promote):
    other = promote(api.member(), "moderator")
    r = api.call(mod, "POST", f"/mod/members/{other['handle']}/suspend",
                 json={"days": 1, "reason": "x"})
    assert (r.status_code, r.get_json()["reason"]) == (403, "target_moderator")


def test_the_last_admin_cannot_delete_their_account(api, admin):
    r = api.call(admin, "DELETE", "/me")
    assert (r.status_code, r.get_json()["reason"]) == (403, "last_admin")
    assert api.call(admin, "GET", "/me").get_json()["role"] == "admin"


def test_an_admin_can_leave_when_another_admin_remains(api, admin, promote):
    promote(api.member(), "admin")
    assert api.call(admin, "DELETE", "/me").status_code == 204
