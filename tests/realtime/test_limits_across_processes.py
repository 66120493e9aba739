"""Rate limits hold across web processes: two ``exchange serve`` processes share their counters
through Redis, so the (N+1)th request is refused on whichever process it reaches."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import PASSWORD

pytestmark = pytest.mark.slow


def _register(server, i: int) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/auth/register", timeout=15, json={
        "handle": f"newcomer{i}", "email": f"newcomer{i}@example.org", "password": PASSWORD,
        "display_name": f"Newcomer {i}"})


def test_the_21st_registration_is_refused_by_the_other_process(serve, redis_url):
    first, second = serve(EXCHANGE_RATE_LIMITS="on"), serve(EXCHANGE_RATE_LIMITS="on")
    try:
        assert [_register(first, i).status_code for i in range(20)] == [201] * 20
        refused = _register(second, 20)
        assert refused.status_code == 429, refused.text
        assert refused.json()["reason"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1
        assert _register(first, 21).status_code == 429  # and on the first one too
    finally:
        first.stop()
        second.stop()
