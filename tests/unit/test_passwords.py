import importlib

from exchange.members import passwords


def _production_hasher():
    # conftest swaps in a cheap hasher for speed; reload to read the module's own choice.
    fresh = importlib.reload(passwords)
    hasher = fresh._hasher
    return hasher


def test_production_hashing_is_argon2id_at_library_default_cost():
    from argon2 import PasswordHasher
    saved = passwords._hasher
    try:
        hasher = _production_hasher()
        assert hasher.time_cost == PasswordHasher().time_cost
        assert hasher.memory_cost == PasswordHasher().memory_cost
        assert hasher.hash("a long enough password").startswith("$argon2id$")
    finally:
        passwords._hasher = saved


def test_a_password_verifies_against_its_own_hash_only():
    digest = passwords.hash_password("correct horse battery")
    assert passwords.verify(digest, "correct horse battery")
    assert not passwords.verify(digest, "correct horse battery!")


def test_an_absent_account_never_verifies():
    assert not passwords.verify(None, "correct horse battery")


def test_short_and_common_passwords_are_refused_kindly():
    assert passwords.problems("short")
    assert passwords.problems("password123")
    assert passwords.problems("alice-is-great-12", handle="alice")
    assert passwords.problems("a good long passphrase") == []
