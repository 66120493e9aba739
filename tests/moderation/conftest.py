"""Fixtures for moderation tests: members promoted to moderator or admin, flagging helpers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from exchange.members.admin import set_role
from exchange.members.models import Member


@pytest.fixture
def settings(database_url, tmp_path):
    """The app's settings with rate limits off, so flagging many times in a test is fine."""
    from exchange.config import Settings
    env = {"EXCHANGE_ENV": "test", "EXCHANGE_DATABASE_URL": database_url,
           "EXCHANGE_INSTANCE_DIR": str(tmp_path / "instance")}
    return replace(Settings.from_env(env), rate_limits=False)


@pytest.fixture
def promote(make_uow):
    def to(who: dict, role: str) -> dict:
        with make_uow() as uow:
            set_role(uow, member=uow.session.get(Member, who["id"]), role=role)
            uow.commit()
        return who
    return to


@pytest.fixture
def mod(api, promote):
    return promote(api.member("moddy"), "moderator")


@pytest.fixture
def admin(api, promote):
    return promote(api.member("boss"), "admin")


@pytest.fixture
def flag(api):
    def send(who, target_type: str, target_id: int, reason: str = "spam", **extra):
        body = {"target_type": target_type, "target_id": target_id, "reason": reason, **extra}
        return api.call(who, "POST", "/flags", json=body)
    return send


@pytest.fixture
def flagged(api, flag):
    """An ask with one open flag: returns (author, ask, flag id)."""
    def make(author=None, flagger=None):
        author = author or api.member()
        ask = api.ask(author)
        r = flag(flagger or api.member(), "ask", ask["id"])
        assert r.status_code == 201, r.get_json()
        return author, ask, r.get_json()["id"]
    return make
