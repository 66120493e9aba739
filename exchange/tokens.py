"""Signed links for mail: verify an address, reset a password, act on an offer, unsubscribe.

A token is the payload signed with the app's secret key and a salt per purpose (itsdangerous),
so a token made for one purpose is refused for another, and nothing need be stored to check
it. What makes each one single-use lives in its payload or beside it:

- ``reset`` carries a fingerprint of the password hash: once the password changes (by this
  token or any other way), every reset token issued before is dead.
- ``email`` (confirm a new address) carries the address it replaces: once the change is made,
  the link no longer matches the account.
- ``offer`` carries a nonce, written to ``used_tokens`` in the same transaction as the action.
- ``verify`` is harmless to repeat; ``unsubscribe`` must keep working (RFC 8058), so it never
  expires.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from exchange.errors import InvalidInput

PURPOSES = ("verify", "reset", "email", "offer", "unsubscribe")
MAX_AGE = {  # seconds; None: never expires
    "verify": 7 * 86400,
    "reset": 3600,
    "email": 86400,
    "offer": 7 * 86400,
    "unsubscribe": None,
}


def _serializer(secret: str | Sequence[str], purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    keys = [secret] if isinstance(secret, str) else list(secret)
    return URLSafeTimedSerializer(keys, salt=f"exchange-{purpose}")


def sign(secret: str, purpose: str, payload: dict) -> str:
    return _serializer(secret, purpose).dumps(payload)


def read(secret: str | Sequence[str], purpose: str, token: str) -> dict:
    """The payload of a valid, unexpired token for ``purpose``; otherwise ``InvalidInput``
    on the ``token`` field (422), with a reason a page can explain. ``secret`` may be every
    key still accepted (``Settings.verifying_keys``, the current key last), so links mailed
    before a key rotation keep working."""
    if not isinstance(token, str) or not token or len(token) > 2048:
        raise _invalid("This link is not complete. Please open it from the email again.")
    try:
        payload = _serializer(secret, purpose).loads(token, max_age=MAX_AGE[purpose])
    except SignatureExpired:
        raise _invalid("This link has expired.", "token_expired") from None
    except BadSignature:
        raise _invalid("This link is not valid. Please open it from the email again.") from None
    if not isinstance(payload, dict):
        raise _invalid("This link is not valid.")
    return payload


def _invalid(message: str, code: str = "token_invalid") -> InvalidInput:
    return InvalidInput(message, code=code, fields={"token": [message]})


def nonce() -> str:
    return secrets.token_urlsafe(16)


def fingerprint(value: str | None) -> str:
    """A short digest of a secret-bearing value (a password hash), safe to put in a link."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]
