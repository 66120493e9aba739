"""A member's Web Push subscriptions: one row per browser endpoint.

The endpoint is unique, so subscribing is an upsert by endpoint: the same browser subscribing
again refreshes its keys, and a second member subscribing on a browser another member used
takes the row over (a browser pushes to whoever turned push on there last). A member keeps at
most ``MAX_PER_MEMBER`` subscriptions; subscribing one more drops the one subscribed longest
ago, which is almost always a browser no longer in use. Unsubscribing touches only the
member's own row and is idempotent.

What a browser sends is checked before anything is written: the endpoint an absolute URL
(https only in production; http is allowed elsewhere so tests can run a push service on
loopback), ``p256dh`` a base64url P-256 public key (the uncompressed point, 65 bytes, on the
curve) and ``auth`` a base64url 16-byte secret — the two keys RFC 8291 encrypts to.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from exchange.clock import utcnow
from exchange.delivery.models import PushSubscription
from exchange.errors import InvalidInput
from exchange.members.models import Member
from exchange.members.service import require_active

MAX_PER_MEMBER = 10
MAX_ENDPOINT = 1024
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def subscribe(uow, *, actor: Member, endpoint: str, p256dh: str, auth: str,
              user_agent: str = "") -> PushSubscription:
    """Keep this browser's subscription for ``actor`` (created, refreshed or taken over)."""
    require_active(actor)
    production = uow.settings is None or uow.settings.is_production
    _check_endpoint(endpoint, https_only=production)
    keys = {"p256dh": _public_key(p256dh), "auth": _auth_secret(auth)}
    values = {"member_id": actor.id, **keys, "created_at": utcnow(),
              "user_agent": _CONTROL.sub("", user_agent or "")[:255]}
    row = _upsert(uow.session, endpoint, values)
    _drop_oldest(uow.session, actor.id, keep=row.id)
    uow.flush()
    return row


def unsubscribe(uow, *, actor: Member, endpoint: str) -> bool:
    """Forget ``actor``'s subscription at ``endpoint``; False if there was none of theirs."""
    require_active(actor)
    result = uow.session.execute(delete(PushSubscription).where(
        PushSubscription.endpoint == endpoint, PushSubscription.member_id == actor.id))
    return bool(result.rowcount)


def list_for(session, member_id: int) -> list[PushSubscription]:
    return list(session.scalars(select(PushSubscription)
                                .where(PushSubscription.member_id == member_id)
                                .order_by(PushSubscription.id)))


def as_info(row: PushSubscription) -> dict:
    """The subscription as a sender takes it (the browser's ``PushSubscription.toJSON()``)."""
    return {"endpoint": row.endpoint, "keys": {"p256dh": row.p256dh, "auth": row.auth}}


def _upsert(session, endpoint: str, values: dict) -> PushSubscription:
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        try:
            with session.begin_nested():
                row = PushSubscription(endpoint=endpoint, **values)
                session.add(row)
            return row
        except IntegrityError:  # the same browser, subscribing twice at once
            row = session.scalar(select(PushSubscription)
                                 .where(PushSubscription.endpoint == endpoint))
    for name, value in values.items():
        setattr(row, name, value)
    return row


def _drop_oldest(session, member_id: int, *, keep: int) -> None:
    session.flush()
    count = session.scalar(select(func.count()).select_from(PushSubscription)
                           .where(PushSubscription.member_id == member_id))
    if count <= MAX_PER_MEMBER:
        return
    oldest = select(PushSubscription.id).where(
        PushSubscription.member_id == member_id, PushSubscription.id != keep).order_by(
        PushSubscription.created_at, PushSubscription.id).limit(count - MAX_PER_MEMBER)
    ids = list(session.scalars(oldest))
    session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids))
                    .execution_options(synchronize_session="fetch"))


# --- what a browser may send -------------------------------------------------------------------

def _refuse(field: str, message: str, inner: str | None = None):
    detail = {inner: [message]} if inner else [message]
    raise InvalidInput("That push subscription doesn't look right, so push stays off for now.",
                       fields={field: detail})


def _check_endpoint(endpoint: str, *, https_only: bool) -> None:
    message = "Give the push service's full https:// address." if https_only else \
        "Give the push service's full address (https://, or http:// outside production)."
    schemes = ("https",) if https_only else ("https", "http")
    if len(endpoint) > MAX_ENDPOINT or _CONTROL.search(endpoint) or " " in endpoint:
        _refuse("endpoint", message)
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not one
    except ValueError:
        _refuse("endpoint", message)
    if parts.scheme not in schemes or not parts.hostname or "@" in parts.netloc:
        _refuse("endpoint", message)


def _decode(value: str) -> bytes | None:
    if not _B64URL.match(value):
        return None
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (ValueError, binascii.Error):
        return None


def _public_key(value: str) -> str:
    raw = _decode(value)
    message = "The browser's public key (p256dh) should be a P-256 point in base64url."
    if raw is None or len(raw) != 65 or raw[0] != 4:
        _refuse("keys", message, "p256dh")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        _refuse("keys", message, "p256dh")
    return value.rstrip("=")


def _auth_secret(value: str) -> str:
    raw = _decode(value)
    if raw is None or len(raw) != 16:
        _refuse("keys", "The browser's auth secret should be 16 bytes in base64url.", "auth")
    return value.rstrip("=")
