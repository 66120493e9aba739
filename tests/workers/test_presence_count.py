"""Moderators see how many members are connected right now; members do not."""

import redis
from sqlalchemy import update

from exchange.adapters.presence import STALE, RedisPresence
from exchange.members.models import Member


def _make_moderator(make_uow, member_id):
    with make_uow() as uow:
        uow.session.execute(update(Member).where(Member.id == member_id).values(role="moderator"))
        uow.commit()


def test_moderators_see_the_count_of_members_online_now(job_api, job_app, make_uow):
    mod = job_api.member("modone")
    _make_moderator(make_uow, mod["id"])
    presence = job_app.extensions["sockets"].presence
    presence.connected(mod["id"], "sid-a")
    presence.connected(12345, "sid-b")
    view = job_api.call(mod, "GET", "/stats/community").get_json()
    assert view["online_now"] == 2


def test_members_do_not_see_the_online_count(job_api, job_app):
    member = job_api.member("plain")
    job_app.extensions["sockets"].presence.connected(member["id"], "sid-c")
    assert "online_now" not in job_api.call(member, "GET", "/stats/community").get_json()


def test_one_heartbeat_refreshes_every_socket_and_stale_ones_age_out(redis_url):
    clock = {"now": 1_000_000.0}
    connection = redis.Redis.from_url(redis_url)
    presence = RedisPresence(connection, clock=lambda: clock["now"])
    presence.refresh([(1, "a"), (1, "b"), (2, "c"), (3, "d")])
    assert presence.online([1, 2, 3, 4]) == {1, 2, 3}
    clock["now"] += STALE + 1
    presence.refresh([(2, "c")])  # only member 2's process is still beating
    assert presence.online([1, 2, 3]) == {2} and presence.count() == 1
    presence.refresh([])  # a process with no sockets: nothing to send, no error
    connection.close()
