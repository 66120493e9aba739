"""Signed links: one purpose each, expiring where they should, refused with a field message."""

from __future__ import annotations

import pytest
import time_machine

from exchange import tokens
from exchange.errors import InvalidInput

SECRET = "s" * 32


def test_a_token_reads_back_its_payload_for_its_own_purpose():
    token = tokens.sign(SECRET, "verify", {"m": 7, "e": "a@example.org"})
    assert tokens.read(SECRET, "verify", token) == {"m": 7, "e": "a@example.org"}


def test_a_token_made_for_one_purpose_is_refused_for_another():
    token = tokens.sign(SECRET, "verify", {"m": 7})
    with pytest.raises(InvalidInput) as refused:
        tokens.read(SECRET, "reset", token)
    assert refused.value.code == "token_invalid" and "token" in refused.value.fields


def test_a_token_signed_with_another_key_is_refused():
    token = tokens.sign("another secret key", "offer", {"m": 1})
    with pytest.raises(InvalidInput):
        tokens.read(SECRET, "offer", token)


@pytest.mark.parametrize("junk", ["", "x", "a.b.c", "é" * 3000, None, 5])
def test_junk_is_refused_as_an_invalid_link(junk):
    with pytest.raises(InvalidInput) as refused:
        tokens.read(SECRET, "verify", junk)
    assert refused.value.code == "token_invalid"


def test_a_reset_token_expires_after_an_hour():
    with time_machine.travel("2026-12-01 10:00:00Z", tick=False) as clock:
        token = tokens.sign(SECRET, "reset", {"m": 1})
        clock.shift(59 * 60)
        assert tokens.read(SECRET, "reset", token) == {"m": 1}
        clock.shift(2 * 60)
        with pytest.raises(InvalidInput) as refused:
            tokens.read(SECRET, "reset", token)
    assert refused.value.code == "token_expired"


def test_an_unsubscribe_token_never_expires():
    with time_machine.travel("2026-01-01 00:00:00Z", tick=False) as clock:
        token = tokens.sign(SECRET, "unsubscribe", {"m": 1, "k": "nudge"})
        clock.shift(3 * 365 * 86400)
        assert tokens.read(SECRET, "unsubscribe", token) == {"m": 1, "k": "nudge"}


def test_an_unknown_purpose_is_a_programming_error():
    with pytest.raises(ValueError):
        tokens.sign(SECRET, "anything", {})


def test_a_token_signed_with_a_retired_key_reads_while_that_key_is_still_listed():
    old = tokens.sign("the retired key", "unsubscribe", {"m": 3})
    assert tokens.read(("the retired key", SECRET), "unsubscribe", old) == {"m": 3}
    with pytest.raises(InvalidInput):
        tokens.read((SECRET,), "unsubscribe", old)
