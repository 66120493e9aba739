"""An open ask that stops needing anyone reaches every page that may list it among the asks
someone could help with — offered or not — as the ``feed.closed`` signal (decision 0021), over
real Socket.IO through a real ``exchange serve``: members with one of its tags as a skill (or
everyone, for an untagged ask), and nobody else. It is a signal, not a notification: no id,
nothing stored, nothing in the member's list."""

from __future__ import annotations

import pytest

from tests.realtime.live import settle
from tests.waiting import wait_until

pytestmark = pytest.mark.slow


def _closed(listener, ask_id: int, timeout: float = 15.0) -> list[dict]:
    wait_until(lambda: [s for s in listener.received("feed.closed") if s["ask_id"] == ask_id],
               timeout)
    return [s for s in listener.received("feed.closed") if s["ask_id"] == ask_id]


@pytest.fixture
def community(job_api, listen):
    """An asker, two Python helpers, a writer and a member with no skills, each connected.
    No job runs, so nobody holds an offer: what reaches them is the signal alone."""
    asker = job_api.member("asker")
    people = {name: job_api.member(name, skills=skills) for name, skills in
              (("pya", ["python"]), ("pyb", ["python", "sql"]), ("writer", ["writing"]),
               ("plain", []))}
    return asker, people, {name: listen(who) for name, who in people.items()}


def test_a_cancelled_tagged_ask_reaches_those_with_its_tag_and_nobody_else(
        job_api, server, community, publisher):
    asker, _, sockets = community
    ask = job_api.ask(asker, title="Review my Python loop", tags=["python", "sql"])
    r = server.call(asker, "POST", f"/asks/{ask['id']}/cancel")
    assert r.status_code == 200, r.text
    for name in ("pya", "pyb"):
        # pyb has both tags and is in both rooms: still once
        assert _closed(sockets[name], ask["id"]) == [{"ask_id": ask["id"], "why": "cancelled"}]
    for name in ("writer", "plain"):
        assert settle(sockets[name], publisher)
        assert sockets[name].received("feed.closed") == []
    notes = server.call(community[1]["pya"], "GET", "/notifications")
    assert notes.status_code == 200, notes.text
    assert all(n["kind"] != "feed.closed" for n in notes.json()["items"])  # never stored


def test_an_untagged_ask_taken_by_one_reaches_everyone(job_api, server, community):
    asker, people, sockets = community
    ask = job_api.ask(asker, title="Read my cover letter draft")
    r = server.call(people["writer"], "POST", f"/asks/{ask['id']}/accept")
    assert r.status_code == 200, r.text
    for name in ("pya", "pyb", "writer", "plain"):
        assert _closed(sockets[name], ask["id"]) == [{"ask_id": ask["id"], "why": "taken"}]


def test_a_hidden_ask_is_signalled_without_its_title(job_api, server, community, promote):
    asker, _, sockets = community
    ask = job_api.ask(asker, title="Help with my essay", tags=["writing"])
    mod = promote(job_api.member("mod"))
    r = server.call(mod, "POST", f"/mod/asks/{ask['id']}/hide", json={"reason": "An advert."})
    assert r.status_code == 200, r.text
    assert _closed(sockets["writer"], ask["id"]) == [{"ask_id": ask["id"], "why": "hidden"}]
