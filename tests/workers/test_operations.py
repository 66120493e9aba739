"""``/readyz``, ``/metrics`` and request ids against a real ``exchange worker`` process
(``web.observability``, ``exchange.adapters.metrics``, ``workers.observability``)."""

from __future__ import annotations

import json

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exchange.members.admin import create_admin
from exchange.offers.models import Offer
from tests.conftest import PASSWORD
from tests.workers.processes import end_group, eventually, start_worker, worker_env

pytestmark = pytest.mark.slow


@pytest.fixture
def worker_process(database_url, redis_url, tmp_path):
    env = worker_env(database_url, redis_url, tmp_path, EXCHANGE_LOG_FORMAT="json")
    process = start_worker(env, tmp_path / "worker.log")
    try:
        yield process
    finally:
        end_group(process)


def _log(tmp_path) -> str:
    return (tmp_path / "worker.log").read_text(errors="replace")


def _json_lines(tmp_path) -> list[dict]:
    lines = []
    for line in _log(tmp_path).splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def figures(client) -> dict[str, float]:
    r = client.get("/metrics")
    assert r.status_code == 200, r.data
    return {sample.name + (json.dumps(sample.labels, sort_keys=True) if sample.labels else ""):
            sample.value
            for family in text_string_to_metric_families(r.data.decode())
            for sample in family.samples}


def _offered(make_uow, ask_id: int) -> bool:
    with make_uow() as uow:
        return uow.session.query(Offer).filter_by(ask_id=ask_id).count() > 0


def test_readyz_is_ready_while_a_worker_runs(job_app, worker_process, tmp_path):
    client = job_app.test_client()
    assert eventually(lambda: client.get("/readyz").status_code == 200), _log(tmp_path)
    body = client.get("/readyz").get_json()
    assert body["parts"] == {"database": "ok", "redis": "ok", "worker": "ok"}
    assert body["failing"] == []


def test_a_wave_a_worker_runs_shows_in_the_metrics(job_api, job_app, worker_process, make_uow,
                                                   tmp_path):
    client = job_app.test_client()
    before = figures(client)
    assert before["exchange_match_wave_duration_seconds_count"] == 0
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    ask = job_api.ask(asker, tags=["python"])
    assert eventually(lambda: _offered(make_uow, ask["id"])), _log(tmp_path)

    assert eventually(lambda: figures(client)["exchange_post_to_offer_seconds_count"] == 1), \
        _log(tmp_path)
    after = figures(client)
    assert after["exchange_match_wave_duration_seconds_count"] >= 1
    assert after["exchange_post_to_offer_seconds_sum"] > 0
    assert after['exchange_queue_depth{"queue": "matching"}'] == 0


def test_mail_a_worker_sends_is_counted(job_api, job_app, worker_process, tmp_path):
    client = job_app.test_client()
    assert figures(client)["exchange_mail_sent_total"] == 0
    job_api.member("newcomer")  # joining sends the address check by mail (to files here)
    assert eventually(lambda: figures(client)["exchange_mail_sent_total"] >= 1), _log(tmp_path)
    assert figures(client)["exchange_mail_failed_total"] == 0


def test_the_request_id_follows_a_post_into_its_matching_jobs_log_lines(
        job_api, worker_process, make_uow, tmp_path):
    asker = job_api.member("asker")
    job_api.member("helper", skills=["python"])
    r = job_api.client.post("/api/v1/asks",
                            headers={**asker["headers"], "X-Request-ID": "post-ask-0001"},
                            json={"title": "Read one paragraph of my essay", "minutes": 15,
                                  "tags": ["python"]})
    assert r.status_code == 201 and r.headers["X-Request-ID"] == "post-ask-0001"
    assert eventually(lambda: _offered(make_uow, r.get_json()["id"])), _log(tmp_path)

    def job_lines():
        return [line for line in _json_lines(tmp_path)
                if line.get("request_id") == "post-ask-0001"]
    assert eventually(lambda: any("match_ask" in line["message"] for line in job_lines())), \
        _log(tmp_path)
    assert all(line.get("job_id") for line in job_lines()), job_lines()
    assert any(line["job_id"].startswith("match-") for line in job_lines()), job_lines()


def test_the_job_dashboard_alone_may_evaluate_its_row_templates(job_app, make_uow):
    with make_uow() as uow:
        create_admin(uow, handle="root", email="root@example.org", password=PASSWORD)
        uow.commit()
    browser = job_app.test_client()
    r = browser.post("/api/v1/auth/login", json={"login": "root", "password": PASSWORD})
    assert r.status_code == 200
    dashboard = browser.get("/admin/rq/")
    assert dashboard.status_code == 200
    assert "script-src 'self' 'unsafe-eval';" in dashboard.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in dashboard.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in browser.get("/home").headers["Content-Security-Policy"]
