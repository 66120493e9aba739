"""Matching through real Redis and a real RQ worker: post → offers to the right helpers.

A wave's timeout is a job RQ holds in its scheduled registry until it is due; rather than wait
for it, a test moves this process's clock past it (``time_machine``), and the burst worker's
scheduler, which reads the same clock, finds it due.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from exchange.matching.models import MatchWave
from exchange.notifications.models import Notification
from exchange.offers.models import Offer

WAVE_SECONDS = 1  # job_settings.wave_seconds


def _later(time_machine, seconds: float) -> None:
    """The clock jumps ``seconds`` ahead, and stands still there."""
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=seconds), tick=False)


def _escalations(rt) -> list[str]:
    return rt.jobs.queue("matching").scheduled_job_registry.get_job_ids()


def _offers(make_uow, ask_id):
    with make_uow() as uow:
        rows = uow.session.query(Offer).filter_by(ask_id=ask_id).order_by(Offer.id).all()
        return [(o.member_id, o.wave, o.response) for o in rows]


def _kinds(make_uow, member_id):
    with make_uow() as uow:
        return [n.kind for n in uow.session.query(Notification).filter_by(member_id=member_id)
                .order_by(Notification.id)]


def _offered_note(make_uow, member_id):
    with make_uow() as uow:
        return uow.session.query(Notification).filter_by(
            member_id=member_id, kind="ask.offered").one().data


def test_posting_an_ask_offers_it_to_helpers_with_the_skill(job_api, run_jobs, make_uow):
    asker = job_api.member("asker")
    py = job_api.member("pyhelper", skills=["python"])
    cook = job_api.member("cook", skills=["cooking"])
    ask = job_api.ask(asker, tags=["python"])
    run_jobs()
    assert [m for m, _, _ in _offers(make_uow, ask["id"])] == [py["id"]]
    assert "ask.offered" not in _kinds(make_uow, cook["id"])


def test_an_offer_says_why_the_helper_was_chosen(job_api, run_jobs, make_uow):
    asker = job_api.member("asker")
    py = job_api.member("pyhelper", skills=["python"])
    ask = job_api.ask(asker, tags=["python"])
    run_jobs()
    data = _offered_note(make_uow, py["id"])
    assert data["wave"] == 1
    assert data["ask"]["id"] == ask["id"]
    assert any("python" in reason for reason in data["reasons"])


def test_the_next_wave_waits_until_the_timeout_has_passed(job_api, run_jobs, make_uow, rt,
                                                        time_machine):
    asker = job_api.member("asker")
    for i in range(4):
        job_api.member(f"helper{i}", skills=["python"])
    ask = job_api.ask(asker, tags=["python"])
    _later(time_machine, 0)
    run_jobs()
    run_jobs()  # the clock has not moved: the escalation is not due yet
    assert [w for _, w, _ in _offers(make_uow, ask["id"])] == [1, 1]
    assert len(_escalations(rt)) == 1


def test_nobody_answering_sends_a_second_wave_after_the_timeout(job_api, run_jobs, make_uow,
                                                                time_machine):
    asker = job_api.member("asker")
    helpers = [job_api.member(f"helper{i}", skills=["python"]) for i in range(4)]
    ask = job_api.ask(asker, tags=["python"])
    run_jobs()
    assert {w for _, w, _ in _offers(make_uow, ask["id"])} == {1}
    _later(time_machine, WAVE_SECONDS + 1)  # RQ keeps due times in whole seconds
    run_jobs()
    waves = [w for _, w, _ in _offers(make_uow, ask["id"])]
    assert waves == [1, 1, 2, 2]
    assert {m for m, _, _ in _offers(make_uow, ask["id"])} == {h["id"] for h in helpers}


def test_after_the_last_wave_the_asker_hears_gently_that_it_stays_open(job_api, run_jobs,
                                                                       make_uow, time_machine):
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    ask = job_api.ask(asker, tags=["python"])
    for _ in range(3):  # waves 1, 2, then past MAX_WAVES (2)
        run_jobs()
        _later(time_machine, WAVE_SECONDS + 1)
    run_jobs()
    assert _kinds(make_uow, asker["id"]).count("ask.still_open") == 1
    assert job_api.call(asker, "GET", f"/asks/{ask['id']}").get_json()["status"] == "open"


def test_accepting_cancels_the_pending_escalation(job_api, run_jobs, make_uow, rt,
                                                  time_machine):
    asker = job_api.member("asker")
    helper = job_api.member("helper", skills=["python"])
    job_api.member("other", skills=["python"])
    job_api.member("third", skills=["python"])
    ask = job_api.ask(asker, tags=["python"])
    run_jobs()
    assert len(_escalations(rt)) == 1
    r = job_api.call(helper, "POST", f"/asks/{ask['id']}/accept")
    assert r.status_code == 200, r.get_json()
    assert _escalations(rt) == []
    _later(time_machine, WAVE_SECONDS + 1)
    run_jobs()
    assert {w for _, w, _ in _offers(make_uow, ask["id"])} == {1}


def test_the_other_offered_helpers_hear_the_ask_was_taken(job_api, run_jobs, make_uow):
    asker = job_api.member("asker")
    a = job_api.member("helpera", skills=["python"])
    b = job_api.member("helperb", skills=["python"])
    ask = job_api.ask(asker, tags=["python"])
    run_jobs()
    assert job_api.call(a, "POST", f"/asks/{ask['id']}/accept").status_code == 200
    assert "ask.taken" in _kinds(make_uow, b["id"])
    assert dict((m, r) for m, _, r in _offers(make_uow, ask["id"])) == {
        a["id"]: "accepted", b["id"]: "taken"}


def test_withdrawing_rematches_without_the_helper_who_stepped_back(job_api, run_jobs,
                                                                   make_uow):
    asker = job_api.member("asker")
    first = job_api.member("first", skills=["python"], capacity=1)
    ask = job_api.ask(asker, tags=["python"])
    run_jobs()
    assert job_api.call(first, "POST", f"/asks/{ask['id']}/accept").status_code == 200
    second = job_api.member("second", skills=["python"])
    assert job_api.call(first, "POST", f"/asks/{ask['id']}/withdraw").status_code == 200
    run_jobs()
    offered = [m for m, _, _ in _offers(make_uow, ask["id"])]
    assert offered == [first["id"], second["id"]]


def test_running_a_wave_job_twice_offers_once(job_api, run_jobs, make_uow, rt):
    from workers.matching import match_ask
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    ask = job_api.ask(asker, tags=["python"])
    first = match_ask(ask["id"], 0, 1)
    second = match_ask(ask["id"], 0, 1)
    assert len(first) == 1 and second is None
    with make_uow() as uow:
        assert uow.session.query(MatchWave).filter_by(ask_id=ask["id"]).count() == 1
    assert len(_offers(make_uow, ask["id"])) == 1


def test_blocked_busy_and_quiet_helpers_are_not_offered(job_api, run_jobs, make_uow):
    asker = job_api.member("asker")
    blocked = job_api.member("blocked", skills=["python"])
    assert job_api.call(asker, "POST", "/members/blocked/block").status_code == 204
    job_api.member("away", skills=["python"], helping=False)
    job_api.member("sleepy", skills=["python"],
                   quiet_hours={"start": "00:00", "end": "23:59"}, timezone="UTC")
    busy = job_api.member("busy", skills=["python"], capacity=1)
    other_asker = job_api.member("otherasker")
    job_api.matched(other_asker, busy, tags=["cooking"])
    ok = job_api.member("okhelper", skills=["python"])
    ask = job_api.ask(asker, tags=["python"])
    run_jobs()
    assert [m for m, _, _ in _offers(make_uow, ask["id"])] == [ok["id"]]
    assert "ask.offered" not in _kinds(make_uow, blocked["id"])


def test_community_stats_measure_the_time_to_first_offer(job_api, run_jobs, time_machine):
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    _later(time_machine, 0)
    job_api.ask(asker, tags=["python"])
    before = job_api.call(asker, "GET", "/stats/community").get_json()
    _later(time_machine, 90)  # the worker picks the matching job up a minute and a half later
    run_jobs()
    after = job_api.call(asker, "GET", "/stats/community").get_json()
    assert before["median_seconds_to_first_offer"] is None
    assert after["median_seconds_to_first_offer"] == 90
