"""Password hashing (argon2id) and the small policy: 10+ characters, not a common password."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
_hasher = PasswordHasher()
_COMMON = Path(__file__).resolve().parent.parent / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _COMMON.read_text().splitlines() if line)


def problems(password: str, *, handle: str = "", email: str = "") -> list[str]:
    if len(password) < MIN_LENGTH:
        return [f"Please use at least {MIN_LENGTH} characters; a short sentence is easy to "
                "remember."]
    lowered = password.lower()
    if lowered in common_passwords():
        return ["That one is on a list of common passwords; something less guessable keeps you "
                "safe."]
    if handle and handle.lower() in lowered or email and lowered == email.lower():
        return ["Please keep your handle and email out of your password."]
    return []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        _hasher.hash(password)  # same cost either way: no timing hint that the account is absent
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
