"""Who may connect, and what ends a connection: refusals, revoked tokens, presence."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
import socketio
from socketio.exceptions import ConnectionError as SocketRefused

from exchange.adapters.presence import RedisPresence
from exchange.clock import utcnow
from exchange.members.admin import set_role
from exchange.members.models import Member
from tests.conftest import PASSWORD
from tests.realtime.live import cut_subscribers, settle, token_of, wait_until

pytestmark = pytest.mark.slow


def _connect(url, **kwargs):
    client = socketio.Client(reconnection=False)
    try:
        client.connect(url, wait_timeout=10, **kwargs)
    finally:
        if client.connected:
            client.disconnect()


def test_a_member_with_a_valid_token_connects(job_api, listen):
    assert listen(job_api.member("member")).connected


def test_a_connection_without_credentials_is_refused(server):
    with pytest.raises(SocketRefused):
        _connect(server.url)


def test_a_bogus_token_is_refused(server):
    with pytest.raises(SocketRefused):
        _connect(server.url, auth={"token": "xt_not-a-real-token", "since": 0})


def test_a_suspended_member_is_refused(job_api, make_uow, server):
    who = job_api.member("paused")
    with make_uow() as uow:
        member = uow.session.get(Member, who["id"])
        member.status, member.suspended_until = "suspended", utcnow() + timedelta(days=3)
        uow.commit()
    with pytest.raises(SocketRefused):
        _connect(server.url, auth={"token": token_of(who), "since": 0})


def test_a_foreign_origin_is_refused(job_api, server):
    who = job_api.member("member")
    with pytest.raises(SocketRefused):
        _connect(server.url, auth={"token": token_of(who), "since": 0},
                 headers={"Origin": "http://evil.example"})


def _second_token(job_api, who) -> dict:
    r = job_api.client.post("/api/v1/auth/tokens", json={"login": who["handle"],
                                                         "password": PASSWORD})
    assert r.status_code == 201, r.get_json()
    return {**who, "headers": {"Authorization": f"Bearer {r.get_json()['token']}"}}


def test_revoking_a_token_drops_its_socket_and_only_that_one(job_api, listen, server,
                                                             publisher):
    who = job_api.member("member")
    other_device = _second_token(job_api, who)
    revoked, kept = listen(who), listen(other_device)
    r = server.call(who, "DELETE", "/auth/tokens/current")
    assert r.status_code == 204, r.text
    assert wait_until(lambda: not revoked.connected, timeout=3)
    assert kept.connected
    assert settle(kept, publisher)


def test_suspending_a_member_drops_their_sockets_on_every_process(job_api, listen, serve,
                                                                server, make_uow):
    who, bystander = job_api.member("member"), job_api.member("bystander")
    moderator = job_api.member("moddy")
    with make_uow() as uow:
        set_role(uow, member=uow.session.get(Member, moderator["id"]), role="moderator")
        uow.commit()
    other = serve()
    try:
        here, there = listen(who), listen(who, url=other.url)
        unaffected = listen(bystander, url=other.url)
        r = server.call(moderator, "POST", f"/mod/members/{who['handle']}/suspend",
                        json={"days": 2, "reason": "Repeated spam."})
        assert r.status_code == 200, r.text
        assert wait_until(lambda: not here.connected and not there.connected, timeout=3)
        assert unaffected.connected
    finally:
        other.stop()


@pytest.fixture
def presence(redis_url):
    connection = redis.Redis.from_url(redis_url)
    yield RedisPresence(connection)
    connection.close()


def test_a_connected_member_shows_as_online(job_api, listen, presence):
    who = job_api.member("member")
    listen(who)
    assert wait_until(lambda: presence.online([who["id"]]) == {who["id"]})


def test_a_member_who_disconnects_is_no_longer_online(job_api, listen, presence):
    who = job_api.member("member")
    listener = listen(who)
    assert wait_until(lambda: presence.online([who["id"]]))
    listener.disconnect()
    assert wait_until(lambda: presence.online([who["id"]]) == set())


def _until_drops_work_again(probe, publisher) -> bool:
    """Ask the server to drop the probe socket until it does: the control channel is back."""
    def dropped():
        publisher.drop(member_id=probe.member_id)
        return wait_until(lambda: not probe.connected, timeout=0.3)
    return wait_until(dropped, timeout=10, every=0)


def test_revoking_still_drops_sockets_after_the_redis_connection_was_lost(
        job_api, listen, server, redis_url, publisher):
    who, other = job_api.member("member"), job_api.member("probe")
    before = [listen(who), listen(other)]
    cut_subscribers(redis_url)
    # Subscribed again, the server drops its sockets so that each catches up on what was
    # published meanwhile (tests/workers/test_redis_outage.py); the clients come back.
    assert wait_until(lambda: not any(s.connected for s in before), timeout=10)
    revoked, probe = listen(who), listen(other)
    assert _until_drops_work_again(probe, publisher)
    assert server.call(who, "DELETE", "/auth/tokens/current").status_code == 204
    assert wait_until(lambda: not revoked.connected, timeout=3)
