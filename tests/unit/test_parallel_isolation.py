"""Each pytest-xdist worker runs on a database and a Redis database of its own
(``tests/conftest.py``, ``tests/fixtures/jobs.py``); a plain run uses the configured ones."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from tests.fixtures.jobs import REDIS_BASE_URL
from tests.fixtures.parallel import redis_url_for_worker, worker_index, worker_name


def test_a_worker_moves_the_redis_database_number_up_by_its_index():
    assert redis_url_for_worker("redis://127.0.0.1:6379/6", 1) == "redis://127.0.0.1:6379/7"
    assert redis_url_for_worker("redis://localhost:6379", 2) == "redis://localhost:6379/2"
    assert redis_url_for_worker("redis://127.0.0.1:6379/9", 0) == "redis://127.0.0.1:6379/9"


def test_this_process_uses_its_own_redis_database(redis_db_url):
    base = int(urlsplit(REDIS_BASE_URL).path.strip("/") or 0)
    assert urlsplit(redis_db_url).path == f"/{base + worker_index()}"


def test_this_process_uses_a_database_named_after_its_worker(database_url):
    url = make_url(database_url)
    worker = worker_name()
    if worker is None:
        assert "_gw" not in url.database and "popen-gw" not in url.database
    elif url.get_backend_name() == "postgresql":
        assert url.database.endswith(f"_{worker}")
    else:  # a tmp file under this worker's own tmp folder, or <file>_<worker>.db
        assert f"popen-{worker}" in url.database or f"_{worker}." in url.database
