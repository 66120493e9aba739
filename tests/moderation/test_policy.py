"""The one authorization rule set, as a table (pure: no database)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from exchange.policy import RoleChange, can


@dataclass
class Who:
    id: int
    role: str

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")


MEMBER, MOD, MOD2, ADMIN, ADMIN2 = (Who(1, "member"), Who(2, "moderator"), Who(3, "moderator"),
                                    Who(4, "admin"), Who(5, "admin"))


@pytest.mark.parametrize(("actor", "target", "allowed"), [
    (MOD, MEMBER, True), (ADMIN, MEMBER, True), (ADMIN, MOD, True),
    (MEMBER, MEMBER, False), (MOD, MOD, False), (MOD, MOD2, False), (MOD, ADMIN, False),
    (ADMIN, ADMIN2, False), (ADMIN, ADMIN, False),
])
@pytest.mark.parametrize("action", ["hide", "restore", "dismiss", "warn", "suspend",
                                    "reinstate", "ban", "reverse"])
def test_who_may_act_on_whom(actor, target, allowed, action):
    assert can(actor, action, target) is allowed


@pytest.mark.parametrize(("actor", "allowed"), [(MEMBER, False), (MOD, True), (ADMIN, True)])
def test_only_moderators_and_admins_review(actor, allowed):
    assert can(actor, "review") is allowed


@pytest.mark.parametrize(("actor", "change", "allowed"), [
    (MOD, RoleChange(MEMBER, "moderator", admins=1), False),
    (MOD, RoleChange(MOD2, "member", admins=1), False),
    (ADMIN, RoleChange(MEMBER, "moderator", admins=1), True),
    (ADMIN, RoleChange(ADMIN2, "member", admins=2), True),
    (ADMIN, RoleChange(ADMIN, "member", admins=2), True),
    (ADMIN, RoleChange(ADMIN, "member", admins=1), False),
])
def test_role_changes_are_for_admins_and_keep_one_admin(actor, change, allowed):
    assert can(actor, "set_role", change) is allowed


def test_nobody_flags_themselves():
    assert (can(MEMBER, "flag", MEMBER), can(MEMBER, "flag", MOD)) == (False, True)


def test_an_unknown_action_is_refused():
    assert can(ADMIN, "launch", MEMBER) is False
