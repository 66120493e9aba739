"""Moderators see how many members are connected right now; members do not."""

from sqlalchemy import update

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
