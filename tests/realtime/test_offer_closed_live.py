"""An offered ask that closes reaches its helpers live over real Socket.IO (``offer.closed``),
and a helper who was away gets it replayed on reconnecting: it is a stored notification like
every push, so resume works for it too."""

from __future__ import annotations

import pytest

from exchange import payloads
from tests.realtime.live import settle

pytestmark = pytest.mark.slow


def _offered(job_api, run_jobs, listen):
    asker = job_api.member("asker")
    helpers = [job_api.member(h, skills=["python"]) for h in ("pya", "pyb")]
    listeners = [listen(h) for h in helpers]
    ask = job_api.ask(asker, title="Review my Python loop", tags=["python"])
    run_jobs()
    for listener in listeners:
        assert listener.wait_for("ask.offered", timeout=30)
    return asker, helpers, listeners, ask


def test_a_cancel_over_http_closes_the_offer_live_for_each_helper(job_api, run_jobs, listen,
                                                                  server, publisher):
    asker, _, listeners, ask = _offered(job_api, run_jobs, listen)
    asked = listen(asker)
    r = server.call(asker, "POST", f"/asks/{ask['id']}/cancel")
    assert r.status_code == 200, r.text
    for listener in listeners:
        [note] = listener.wait_for("offer.closed", timeout=30)
        payloads.validate_notification(note)
        assert note["data"] == {"ask_id": ask["id"], "why": "cancelled",
                                "title": "Review my Python loop"}
    assert settle(asked, publisher)
    assert asked.received("offer.closed") == []


def test_a_helper_away_when_it_was_hidden_gets_the_close_replayed(job_api, run_jobs, listen,
                                                                  promote, server):
    _, (helper, _), listeners, ask = _offered(job_api, run_jobs, listen)
    away = listeners[0]
    since = away.last_id()
    away.disconnect()
    mod = promote(job_api.member("mod"))
    r = server.call(mod, "POST", f"/mod/asks/{ask['id']}/hide", json={"reason": "An advert."})
    assert r.status_code == 200, r.text
    assert listeners[1].wait_for("offer.closed", timeout=30)  # the one still there, live
    back = listen(helper, since=since)
    [note] = back.wait_for("offer.closed", timeout=30)  # the one away, on reconnecting
    assert note["data"] == {"ask_id": ask["id"], "why": "hidden", "title": None}
    payloads.validate_notification(note)
