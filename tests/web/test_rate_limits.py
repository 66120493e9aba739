"""The per-time-window limits (web/limits.py): for each, the last allowed
request passes and the next is refused with 429, our error shape and a ``Retry-After``.

Windows are never waited out: ``clock.advance`` moves the limits library's clock instead.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from exchange.clock import utcnow
from tests.conftest import PASSWORD, Api
from tests.web.api_routes import set_member
from tests.web.seed import seeding


class Clock:
    """The limits library's in-memory clock, moved forward on demand."""

    def __init__(self, monkeypatch):
        import time as real

        import limits.storage.memory as memory
        self.offset = 0.0
        fake = type("FakeTime", (), {"time": staticmethod(lambda: real.time() + self.offset)})
        monkeypatch.setattr(memory, "time", fake)
        monkeypatch.setattr("web.limits.time", fake)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def throttled(response) -> bool:
    """429 in our error shape, with a kind message and a whole number of seconds to wait."""
    if response.status_code != 429:
        return False
    body = response.get_json()
    assert body["code"] == 429 and body["status"] == "Too Many Requests", body
    assert body["reason"] == "rate_limited", body
    assert "try again" in body["message"], body
    assert int(response.headers["Retry-After"]) >= 1
    return True


def aged(make_uow, who: dict) -> dict:
    """No longer a new member: joined two days ago."""
    set_member(make_uow, who["id"], created_at=utcnow() - timedelta(days=2))
    return who


def sign_in(client, login: str, password: str, path: str = "/api/v1/auth/tokens", **kw):
    return client.post(path, json={"login": login, "password": password}, **kw)


def register(client, handle: str, **kw):
    body = {"handle": handle, "email": f"{handle}@example.org", "password": PASSWORD,
            "display_name": handle.title()}
    return client.post("/api/v1/auth/register", json=body, **kw)


# --- member actions ------------------------------------------------------------------------------

def test_the_31st_accept_in_an_hour_is_refused_and_the_30th_is_not(api, make_uow):
    author, helper = api.member("ada"), aged(make_uow, api.member("bob"))
    ask = api.ask(author)
    # Retrying an accept one already won answers 200, so every one of these is a real accept.
    replies = [api.call(helper, "POST", f"/asks/{ask['id']}/accept") for _ in range(31)]
    assert [r.status_code for r in replies[:30]] == [200] * 30
    assert throttled(replies[30])


def test_a_new_member_may_accept_10_asks_an_hour(api):
    author, helper = api.member("ada"), api.member("bob")
    ask = api.ask(author)
    replies = [api.call(helper, "POST", f"/asks/{ask['id']}/accept") for _ in range(11)]
    assert [r.status_code for r in replies[:10]] == [200] * 10
    assert throttled(replies[10])


def _say(api, who, ask_id, n: int):
    return [api.call(who, "POST", f"/asks/{ask_id}/messages", json={"body": f"note {i}"})
            for i in range(n)]


def test_the_21st_message_in_a_minute_is_refused_and_the_20th_is_not(api, make_uow):
    author, helper = aged(make_uow, api.member("ada")), api.member("bob")
    ask = api.matched(author, helper)
    replies = _say(api, author, ask["id"], 21)
    assert [r.status_code for r in replies[:20]] == [201] * 20
    assert throttled(replies[20])


def test_a_new_member_may_send_10_messages_a_minute(api):
    author, helper = api.member("ada"), api.member("bob")
    ask = api.matched(author, helper)
    replies = _say(api, author, ask["id"], 11)
    assert [r.status_code for r in replies[:10]] == [201] * 10
    assert throttled(replies[10])


def test_one_members_messages_do_not_use_up_the_other_members_allowance(api, make_uow):
    author, helper = aged(make_uow, api.member("ada")), api.member("bob")
    ask = api.matched(author, helper)
    _say(api, author, ask["id"], 21)
    assert _say(api, helper, ask["id"], 1)[0].status_code == 201


def test_messages_may_flow_again_once_the_minute_has_passed(api, make_uow, clock):
    author, helper = aged(make_uow, api.member("ada")), api.member("bob")
    ask = api.matched(author, helper)
    assert throttled(_say(api, author, ask["id"], 21)[-1])
    clock.advance(61)
    assert _say(api, author, ask["id"], 1)[0].status_code == 201


def _flag_members(api, flagger, targets):
    return [api.call(flagger, "POST", "/flags",
                     json={"target_type": "member", "target_id": t["id"], "reason": "spam"})
            for t in targets]


def _targets(db, settings, n: int) -> list[dict]:
    with seeding(db, settings) as seed:
        return [seed.member(f"target{i}") for i in range(n)]


def test_the_21st_flag_in_a_day_is_refused_and_the_20th_is_not(api, make_uow, db, settings):
    flagger = aged(make_uow, api.member("ada"))
    replies = _flag_members(api, flagger, _targets(db, settings, 21))
    assert [r.status_code for r in replies[:20]] == [201] * 20
    assert throttled(replies[20])


def test_a_new_member_may_flag_5_times_a_day(api, db, settings):
    replies = _flag_members(api, api.member("ada"), _targets(db, settings, 6))
    assert [r.status_code for r in replies[:5]] == [201] * 5
    assert throttled(replies[5])


# --- signing in and signing up -------------------------------------------------------------------

def test_after_5_wrong_passwords_even_the_right_one_waits(api):
    api.member("ada")
    wrong = [sign_in(api.client, "ada", "not my password") for _ in range(5)]
    assert [r.status_code for r in wrong] == [401] * 5
    assert throttled(sign_in(api.client, "ada", PASSWORD))


def test_the_right_password_works_again_once_the_half_hour_has_passed(api, clock):
    api.member("ada")
    for _ in range(6):
        sign_in(api.client, "ada", "not my password")
    clock.advance(30 * 60 + 1)
    assert sign_in(api.client, "ada", PASSWORD).status_code == 201


def test_successful_sign_ins_are_not_counted(api):
    api.member("ada")
    assert [sign_in(api.client, "ada", PASSWORD).status_code for _ in range(8)] == [201] * 8


def test_wrong_passwords_by_handle_email_and_browser_count_for_one_account(api):
    api.member("ada")
    for login, path in (("ada", "/api/v1/auth/tokens"), ("ADA@example.org", "/api/v1/auth/tokens"),
                        ("ada", "/api/v1/auth/login"), ("ada@example.org", "/api/v1/auth/login"),
                        ("Ada", "/api/v1/auth/login")):
        assert sign_in(api.client, login, "nope", path).status_code == 401
    assert throttled(sign_in(api.client, "ada", PASSWORD, "/api/v1/auth/login"))


def test_one_accounts_wrong_passwords_do_not_hold_up_another_account(api):
    api.member("ada"), api.member("bob")
    for _ in range(6):
        sign_in(api.client, "ada", "nope")
    assert sign_in(api.client, "bob", PASSWORD).status_code == 201


def test_after_25_wrong_sign_ins_from_one_address_the_26th_waits(client):
    # Unknown logins: 25 different "accounts", so only the per-address limit can trip.
    wrong = [sign_in(client, f"nobody{i}", "nope") for i in range(26)]
    assert [r.status_code for r in wrong[:25]] == [401] * 25
    assert throttled(wrong[25])


def test_another_address_may_still_sign_in_when_one_address_is_held_up(api):
    api.member("ada")
    for i in range(26):
        sign_in(api.client, f"nobody{i}", "nope")
    elsewhere = {"REMOTE_ADDR": "127.0.0.2"}
    assert sign_in(api.client, "ada", PASSWORD, environ_base=elsewhere).status_code == 201


# --- a stranger's wrong passwords do not lock the member out (device cookies) ------------------

def test_a_stranger_guessing_does_not_hold_up_the_member_on_a_device_they_used(api, app):
    api.member("ada")  # signs in once through api.client, which keeps the device cookie
    stranger = app.test_client()
    assert [sign_in(stranger, "ada", "guess").status_code for _ in range(5)] == [401] * 5
    assert throttled(sign_in(stranger, "ada", "guess"))
    assert throttled(sign_in(stranger, "ada", PASSWORD))  # no cookie: the account's pause
    assert sign_in(api.client, "ada", PASSWORD).status_code == 201
    assert sign_in(api.client, "ada", PASSWORD, "/api/v1/auth/login").status_code == 200


def test_wrong_passwords_on_a_known_device_are_still_paused(api):
    api.member("ada")
    assert [sign_in(api.client, "ada", "oops").status_code for _ in range(5)] == [401] * 5
    assert throttled(sign_in(api.client, "ada", PASSWORD))


def test_a_device_cookie_counts_only_for_the_member_it_was_given_for(api, app):
    api.member("ada"), api.member("bob")
    for _ in range(5):
        sign_in(app.test_client(), "bob", "guess")
    ada_device = app.test_client()  # a device that knows ada, not bob
    assert sign_in(ada_device, "ada", PASSWORD).status_code == 201
    assert throttled(sign_in(ada_device, "bob", PASSWORD))


def test_a_forged_device_cookie_is_ignored(api, app):
    api.member("ada")
    stranger = app.test_client()
    stranger.set_cookie("exchange_device", "eyJtIjoxfQ.forged.signature",
                        path="/api/v1/auth")
    for _ in range(5):
        sign_in(stranger, "ada", "guess")
    assert throttled(sign_in(stranger, "ada", PASSWORD))


def test_the_device_cookie_is_http_only_and_scoped_to_signing_in(api, app):
    api.member("ada")
    r = sign_in(app.test_client(), "ada", PASSWORD)
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("exchange_device="))
    assert "HttpOnly" in cookie and "Path=/api/v1/auth" in cookie and "SameSite=Lax" in cookie


def test_the_21st_registration_from_one_address_in_an_hour_is_refused(client):
    replies = [register(client, f"newcomer{i}") for i in range(21)]
    assert [r.status_code for r in replies[:20]] == [201] * 20
    assert throttled(replies[20])


def _fail_from(client, address: str, n: int):
    return [sign_in(client, f"nobody{i}", "nope", headers={"X-Forwarded-For": address})
            for i in range(n)]


def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_count(settings, db,
                                                                          dispatcher):
    from web import create_app
    client = create_app(replace(settings, trusted_proxies=1), db=db,
                        dispatcher=dispatcher).test_client()
    assert throttled(_fail_from(client, "203.0.113.5", 26)[-1])
    assert _fail_from(client, "203.0.113.6", 1)[0].status_code == 401


def test_without_a_trusted_proxy_a_claimed_forwarded_address_changes_nothing(client):
    _fail_from(client, "203.0.113.5", 25)
    assert throttled(_fail_from(client, "203.0.113.6", 1)[0])


# --- switched off, and shared between processes -------------------------------------------------

@pytest.fixture
def unlimited_api(no_rate_limits, db, dispatcher):
    from web import create_app
    return Api(create_app(no_rate_limits, db=db, dispatcher=dispatcher).test_client())


def test_with_rate_limits_off_nothing_is_throttled(unlimited_api):
    author, helper = unlimited_api.member("ada"), unlimited_api.member("bob")
    ask = unlimited_api.matched(author, helper)
    replies = _say(unlimited_api, author, ask["id"], 25)
    replies += [sign_in(unlimited_api.client, "ada", "nope") for _ in range(30)]
    assert not any(r.status_code == 429 for r in replies)


def test_with_rate_limits_off_the_open_asks_cap_still_holds(unlimited_api):
    author = unlimited_api.member("ada")
    for _ in range(5):
        unlimited_api.ask(author)
    r = unlimited_api.call(author, "POST", "/asks", json={"title": "One more small thing",
                                                          "minutes": 10})
    assert r.status_code == 409 and r.get_json()["reason"] == "too_many_open_asks"


@pytest.fixture
def two_apps(settings, db, dispatcher, redis_url):
    """Two web processes' apps on one Redis (the dispatcher is plain: no jobs are queued)."""
    from web import create_app
    wired = replace(settings, redis_url=redis_url)
    return [create_app(wired, db=db, dispatcher=dispatcher).test_client() for _ in range(2)]


def test_two_app_instances_on_one_redis_share_the_registration_count(two_apps):
    first, second = two_apps
    assert [register(first, f"newcomer{i}").status_code for i in range(20)] == [201] * 20
    assert throttled(register(second, "newcomer20"))


def test_two_app_instances_on_one_redis_share_failed_sign_ins(two_apps):
    first, second = two_apps
    Api(first).member("ada")
    stranger = first.application.test_client()  # no device cookie: the account's counter
    assert [sign_in(stranger, "ada", "nope").status_code for _ in range(5)] == [401] * 5
    assert throttled(sign_in(second, "ada", PASSWORD))
