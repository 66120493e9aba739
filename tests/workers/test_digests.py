"""The digest: open asks a member could help with, daily or weekly, by email — only to members
who chose it, were not on the site that period, in their morning, once per period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import update

from exchange.members.models import Member
from workers.housekeeping import sweep

MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC


def _mails(settings) -> list:
    """The digests sent (offers of the same asks go by email too, on their own)."""
    folder = settings.mail_dir
    mails = [BytesParser(policy=policy.default).parsebytes(p.read_bytes())
             for p in sorted(folder.glob("*.eml"))] if folder.exists() else []
    return [m for m in mails if m["X-Exchange-Kind"] == "digest"]


def _set(make_uow, member_id, **values) -> None:
    with make_uow() as uow:
        uow.session.execute(update(Member).where(Member.id == member_id).values(**values))
        uow.commit()


@pytest.fixture
def reader(job_api, make_uow, time_machine):
    """A member who chose a daily digest, last on the site two days ago."""
    time_machine.move_to(MORNING - timedelta(days=3), tick=False)
    member = job_api.member("reader", skills=["python"], timezone="UTC")
    _set(make_uow, member["id"], digest="daily", email_verified_at=MORNING - timedelta(days=3),
         last_seen_at=MORNING - timedelta(days=2))
    return member


def _asks(job_api, n: int, **fields) -> list[dict]:
    asker = job_api.member("asker")
    return [job_api.ask(asker, title=f"Help me with Python thing {i}", **fields)
            for i in range(n)]


def test_a_daily_digest_lists_the_new_asks_that_fit(reader, job_api, run_jobs, job_settings,
                                                    time_machine):
    time_machine.move_to(MORNING - timedelta(hours=10), tick=False)
    _asks(job_api, 2, tags=["python"])
    job_api.ask(job_api.member("knitter"), title="Teach me a knitting stitch", tags=["knitting"])
    time_machine.move_to(MORNING, tick=False)
    assert sweep()["digests"] == 1
    run_jobs()
    [mail] = [m for m in _mails(job_settings) if m["To"] == "reader@example.org"]
    text = mail.get_body(("plain",)).get_content()
    assert "Help me with Python thing 0" in text and "Help me with Python thing 1" in text
    assert "knitting" not in text
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_digest_per_period_however_often_the_sweep_runs(reader, job_api, run_jobs,
                                                            job_settings, time_machine):
    time_machine.move_to(MORNING - timedelta(hours=1), tick=False)
    _asks(job_api, 1)
    time_machine.move_to(MORNING, tick=False)
    for minutes in range(3):
        time_machine.move_to(MORNING + timedelta(minutes=minutes), tick=False)
        sweep()
        run_jobs()
    assert len(_mails(job_settings)) == 1


def test_a_member_who_was_on_the_site_gets_no_digest(reader, job_api, make_uow, run_jobs,
                                                     job_settings, time_machine):
    time_machine.move_to(MORNING - timedelta(hours=1), tick=False)
    _asks(job_api, 1)
    _set(make_uow, reader["id"], last_seen_at=MORNING - timedelta(hours=3))
    time_machine.move_to(MORNING, tick=False)
    assert sweep()["digests"] == 0
    run_jobs()
    assert _mails(job_settings) == []


def test_nothing_new_means_no_email(reader, run_jobs, job_settings, time_machine):
    time_machine.move_to(MORNING, tick=False)
    sweep()
    run_jobs()
    assert _mails(job_settings) == []


def test_no_digest_before_the_members_morning(reader, job_api, make_uow, run_jobs,
                                              job_settings, time_machine):
    _set(make_uow, reader["id"], timezone="America/New_York")  # 09:00 UTC is 04:00 there
    time_machine.move_to(MORNING - timedelta(hours=1), tick=False)
    _asks(job_api, 1)
    time_machine.move_to(MORNING, tick=False)
    sweep()
    run_jobs()
    assert _mails(job_settings) == []
    time_machine.move_to(datetime(2026, 12, 7, 13, 0, 1, tzinfo=UTC), tick=False)  # 08:00 NY
    run_jobs()
    assert len(_mails(job_settings)) == 1


def test_members_who_did_not_choose_a_digest_get_none(job_api, make_uow, run_jobs,
                                                      job_settings, time_machine):
    time_machine.move_to(MORNING - timedelta(days=3), tick=False)
    member = job_api.member("quiet", timezone="UTC")
    _set(make_uow, member["id"], email_verified_at=MORNING - timedelta(days=3))
    _asks(job_api, 1)
    time_machine.move_to(MORNING, tick=False)
    assert sweep()["digests"] == 0


def test_opening_the_home_page_marks_the_member_as_seen(job_app, make_uow):
    from tests.conftest import PASSWORD
    browser = job_app.test_client()
    body = {"handle": "visitor", "email": "visitor@example.org", "password": PASSWORD,
            "display_name": "Visitor"}
    assert browser.post("/api/v1/auth/register", json=body).status_code == 201
    r = browser.post("/api/v1/auth/login", json={"login": "visitor", "password": PASSWORD})
    assert r.status_code == 200
    assert browser.get("/home").status_code == 200
    with make_uow() as uow:
        seen = uow.session.query(Member).filter_by(handle="visitor").one().last_seen_at
    assert seen is not None and datetime.now(UTC) - seen < timedelta(minutes=1)
