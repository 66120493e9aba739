"""Community health for moderators: asks waiting by tag and age, helper supply by skill and
weekday, the medians, flags per week (``GET /mod/health``)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from exchange.asks.models import Ask
from exchange.clock import utcnow
from exchange.moderation.models import Flag
from tests.web.api_routes import set_member
from tests.web.flow_helpers import hide_ask


def _health(api, who, **query):
    r = api.call(who, "GET", "/mod/health", query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _age(make_uow, model, row_id: int, age: timedelta) -> None:
    with make_uow() as uow:
        uow.session.execute(update(model).where(model.id == row_id)
                            .values(created_at=utcnow() - age))
        uow.commit()


def test_an_empty_exchange_has_an_empty_but_complete_view(api, mod):
    view = _health(api, mod)
    assert view["waiting"] == [] and view["supply"] == []
    assert view["median_seconds_to_first_offer"] is None
    assert view["median_seconds_to_match"] is None
    assert [w["flags"] for w in view["flags_per_week"]] == [0] * 8


def test_waiting_asks_are_counted_per_tag_by_age(api, mod, make_uow):
    asker = api.member()
    ages = {"fresh": timedelta(minutes=5), "today": timedelta(hours=5),
            "days": timedelta(days=3), "weeks": timedelta(days=9)}
    for title, age in ages.items():
        ask = api.ask(asker, title=f"Help with a {title} thing", tags=["python"])
        _age(make_uow, Ask, ask["id"], age)
    other = api.member()  # five open asks each at most
    api.ask(asker, title="Proofread a short letter", tags=["writing", "python"])
    api.ask(other, title="Anything at all, really")
    hidden = api.ask(other, title="Hidden from everyone", tags=["python"])
    hide_ask(make_uow, hidden["id"])
    taken = api.ask(other, title="Already matched", tags=["python"])
    assert api.call(api.member(), "POST", f"/asks/{taken['id']}/accept").status_code == 200

    waiting = {w["tag"]: w for w in _health(api, mod)["waiting"]}
    assert list(waiting) == ["python", "(no tag)", "writing"]  # most waiting first
    python = waiting["python"]
    assert (python["asks"], python["under_1h"], python["from_1h_to_1d"],
            python["from_1d_to_1w"], python["over_1w"]) == (5, 2, 1, 1, 1)
    assert python["oldest_wait_seconds"] == pytest.approx(9 * 86400, abs=120)
    assert waiting["writing"]["asks"] == waiting["(no tag)"]["asks"] == 1


def test_helper_supply_is_counted_per_skill_and_weekday(api, mod, make_uow):
    monday_and_friday = [{"weekday": 0, "start": "09:00", "end": "12:00"},
                         {"weekday": 4, "start": "18:00", "end": "20:00"}]
    api.member(skills=["python", "statistics"], availability=monday_and_friday)
    api.member(skills=["python"], availability=[{"weekday": 0, "start": "10:00",
                                                 "end": "11:00"}])
    api.member(skills=["python"], helping=False, availability=monday_and_friday)
    resting = api.member(skills=["statistics"], availability=monday_and_friday)
    set_member(make_uow, resting["id"], status="suspended",
               suspended_until=utcnow() + timedelta(days=2))

    supply = _health(api, mod)["supply"]
    assert [s["skill"] for s in supply] == ["statistics", "python"]  # scarcest first
    python = supply[1]
    assert python["helpers"] == 2
    assert python["by_weekday"] == {"mon": 2, "tue": 0, "wed": 0, "thu": 0, "fri": 1,
                                    "sat": 0, "sun": 0}
    assert supply[0]["helpers"] == 1 and supply[0]["by_weekday"]["fri"] == 1


def test_the_median_time_to_match_comes_from_matched_asks(api, mod, make_uow):
    asker, helper = api.member(), api.member()
    ask = api.ask(asker)
    _age(make_uow, Ask, ask["id"], timedelta(minutes=30))
    assert api.call(helper, "POST", f"/asks/{ask['id']}/accept").status_code == 200
    assert _health(api, mod)["median_seconds_to_match"] == pytest.approx(1800, abs=60)


def test_flags_are_counted_per_week_oldest_first(api, mod, flag, make_uow):
    flagger = api.member()
    now_flag = flag(flagger, "member", api.member()["id"]).get_json()["id"]
    old_flag = flag(flagger, "member", api.member()["id"]).get_json()["id"]
    ancient = flag(flagger, "member", api.member()["id"]).get_json()["id"]
    assert now_flag and old_flag and ancient
    _age(make_uow, Flag, old_flag, timedelta(weeks=2))
    _age(make_uow, Flag, ancient, timedelta(weeks=30))

    weeks = _health(api, mod, weeks=4)["flags_per_week"]
    assert len(weeks) == 4
    assert [w["flags"] for w in weeks] == [0, 1, 0, 1]  # two weeks back is the same weekday
    monday = (utcnow() - timedelta(days=utcnow().weekday())).date().isoformat()
    assert weeks[-1]["week_start"] == monday
    assert sum(w["flags"] for w in _health(api, mod, weeks=52)["flags_per_week"]) == 3


@pytest.mark.parametrize("weeks", ["0", "53", "x", "-1"])
def test_a_window_out_of_range_is_a_422(api, mod, weeks):
    r = api.call(mod, "GET", "/mod/health", query_string={"weeks": weeks})
    assert r.status_code == 422 and "weeks" in r.get_json()["errors"]["query"]


def test_members_cannot_see_it(api):
    r = api.call(api.member(), "GET", "/mod/health")
    assert (r.status_code, r.get_json()["reason"]) == (403, "not_moderator")


def test_helpers_by_weekday_count_each_member_once_monday_first(api, mod, client):
    api.member(skills=["python", "statistics"], availability=[
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "14:00", "end": "15:00"},
        {"weekday": 6, "start": "18:00", "end": "20:00"}])
    api.member(skills=["python"], availability=[{"weekday": 2, "start": "10:00", "end": "11:00"}])
    api.member(skills=["python"], helping=False, availability=[
        {"weekday": 2, "start": "10:00", "end": "11:00"}])
    days = _health(api, mod)["helpers_by_weekday"]
    assert days == {"mon": 1, "tue": 0, "wed": 1, "thu": 0, "fri": 0, "sat": 0, "sun": 1}


def test_the_charts_are_svg_with_weekdays_monday_to_sunday(api, mod, flag):
    api.member(skills=["cooking"], availability=[{"weekday": 6, "start": "09:00", "end": "10:00"},
                                                 {"weekday": 1, "start": "09:00", "end": "10:00"}])
    api.ask(api.member(), title="Talk me through a sourdough starter", tags=["cooking"])
    flag(api.member(), "member", api.member()["id"])
    r = api.call(mod, "GET", "/mod/health/charts", query_string={"weeks": 4})
    assert r.status_code == 200, r.get_json()
    charts = {c["name"]: c for c in r.get_json()["charts"]}
    assert list(charts) == ["waiting", "weekdays", "flags"]
    days = re.findall(r'data-key="(\w+)" data-value="(\d+)"', charts["weekdays"]["svg"])
    assert days == [("mon", "0"), ("tue", "1"), ("wed", "0"), ("thu", "0"), ("fri", "0"),
                    ("sat", "0"), ("sun", "1")]
    labels = re.findall(r'class="month"[^>]*>(\w+)<', charts["weekdays"]["svg"])
    assert labels == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert re.findall(r'data-key="([\w()-]+)" data-value="(\d+)"',
                      charts["waiting"]["svg"]) == [("cooking", "1")]
    flags = re.findall(r'data-value="(\d+)"', charts["flags"]["svg"])
    assert flags == ["0", "0", "0", "1"]  # oldest first: this week's flag is last
    assert charts["flags"]["summary"] == "1 flag this week"
    for chart in charts.values():
        svg = chart["svg"]
        assert svg.startswith("<svg") and 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "Sunday 1" in charts["weekdays"]["svg"] and "<script" not in "".join(
        c["svg"] for c in charts.values())


def test_the_charts_are_for_moderators_only(api):
    member = api.member()
    r = api.call(member, "GET", "/mod/health/charts")
    assert (r.status_code, r.get_json()["reason"]) == (403, "not_moderator")
