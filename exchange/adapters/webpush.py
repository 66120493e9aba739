"""Web Push out: the VAPID key pair, and ``WebPushSender`` for the ``PushSender`` port.

The key (RFC 8292). ``EXCHANGE_VAPID_PRIVATE_KEY`` holds a P-256 private key in one of two
forms: PEM (PKCS #8 ``BEGIN PRIVATE KEY`` or SEC 1 ``BEGIN EC PRIVATE KEY``; a literal ``\\n``
stands for a line break, so it fits on one line of a ``.env`` file), or the raw 32-byte private
value, base64url (padding optional) — what ``python -m exchange.adapters.webpush`` prints.
Unset, the key is ``<instance>/vapid_private.pem`` (PKCS #8, mode 0600), generated on first use.

Invariant: every process of one deployment signs with the key the browsers subscribed with
(the public half is the ``applicationServerKey`` a subscription is bound to; a push signed with
another key is refused). So the file is created once, atomically: each process writes a whole
key to a temporary file and hard-links it into place, which fails if a key is there already;
every process then reads back the one file that won. Production generates a key only into an
instance folder it can write, and logs that more than one host needs the variable instead.

Sending (RFC 8030/8291): ``pywebpush.WebPusher`` encrypts the payload (aes128gcm, via
``http_ece``) and posts it; the VAPID JWT is signed here with ``py_vapid`` (``aud`` the
endpoint's origin, ``sub`` ``mailto:`` the sender address, ``exp`` 12 hours ahead). The push
service's answer decides: 2xx accepted (True), 404/410 the subscription is gone (False), 429
and 5xx and network failures try later (``DeliveryDeferred``), any other 4xx is a refusal
that will not change (``DeliveryRefused``).
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import tempfile
import time
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from http_ece import ECEException
from py_vapid import Vapid02, VapidException
from pywebpush import WebPusher, WebPushException

from exchange.config import ConfigError, Settings
from exchange.ports import DeliveryDeferred, DeliveryRefused

log = logging.getLogger(__name__)

KEY_FILE = "vapid_private.pem"
TIMEOUT = (5, 15)  # seconds to connect, to read the answer
JWT_LIFETIME = 12 * 3600  # RFC 8292 allows at most 24 hours
URGENCIES = ("very-low", "low", "normal", "high")
TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")  # RFC 8030: base64url alphabet, 32 at most


# --- keys --------------------------------------------------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_key_of(key: ec.EllipticCurvePrivateKey) -> str:
    """The application server key for ``PushManager.subscribe``: the uncompressed P-256 point
    (65 bytes, starting 0x04), base64url without padding."""
    return b64url(key.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint))


def raw_private_of(key: ec.EllipticCurvePrivateKey) -> str:
    """The raw form ``EXCHANGE_VAPID_PRIVATE_KEY`` accepts: the 32-byte secret, base64url."""
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def parse_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from a PEM or a base64url raw value; ``ConfigError`` otherwise."""
    text = text.strip().replace("\\n", "\n")
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            if len(raw) != 32:
                raise ValueError(f"{len(raw)} bytes, not 32")
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm) as err:
        raise ConfigError("EXCHANGE_VAPID_PRIVATE_KEY must be a P-256 private key as PEM or as "
                          f"32 bytes in base64url ({err})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ConfigError("EXCHANGE_VAPID_PRIVATE_KEY must be an elliptic-curve key on P-256")
    return key


def load_private_key(settings: Settings) -> ec.EllipticCurvePrivateKey:
    """This deployment's VAPID key: from the setting, else the instance folder's file."""
    if settings.vapid_private_key:
        return parse_private_key(settings.vapid_private_key)
    path = Path(settings.instance_dir) / KEY_FILE
    if not path.exists():
        _create_once(path, production=settings.is_production)
    try:
        return parse_private_key(path.read_text())
    except ConfigError as err:
        raise ConfigError(f"{path} does not hold a usable key: {err}") from None


def _create_once(path: Path, *, production: bool) -> None:
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"Set EXCHANGE_VAPID_PRIVATE_KEY: there is no {KEY_FILE} in {folder} "
                          "and the folder cannot be written, so no key can be made there")
    if production:
        log.warning("generating a Web Push (VAPID) key into %s; if more than one host runs "
                    "the exchange, set EXCHANGE_VAPID_PRIVATE_KEY on all of them instead", path)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".vapid-", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # atomic, and never replaces a key another process made
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


# --- sending -----------------------------------------------------------------------------------

def subject_of(mail_from: str) -> str:
    """The VAPID ``sub``: ``mailto:`` the sender address (a push service's contact for us)."""
    address = parseaddr(mail_from)[1] or "exchange@localhost"
    return f"mailto:{address}"


def origin_of(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


class WebPushSender:
    """``PushSender``: one encrypted, VAPID-signed push per ``send``."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, *, subject: str,
                 timeout=TIMEOUT):
        self._vapid = Vapid02(private_key)
        self.public_key = public_key_of(private_key)
        self.subject = subject
        self.timeout = timeout

    def vapid_headers(self, endpoint: str) -> dict:
        claims = {"aud": origin_of(endpoint), "sub": self.subject,
                  "exp": int(time.time()) + JWT_LIFETIME}
        return self._vapid.sign(claims)

    def send(self, subscription: dict, payload: bytes, *, ttl: int, urgency: str,
             topic: str | None = None) -> bool:
        headers = _headers(urgency, topic)
        try:
            headers.update(self.vapid_headers(subscription["endpoint"]))
            pusher = WebPusher(subscription)
            response = pusher.send(payload, headers, ttl=int(ttl),
                                   content_encoding="aes128gcm", timeout=self.timeout)
        except requests.RequestException as err:
            raise DeliveryDeferred(f"{type(err).__name__}: {err}") from err
        except (WebPushException, VapidException, ECEException, ValueError,
                binascii.Error) as err:
            raise DeliveryRefused(f"cannot push to this subscription: {err}") from err
        return outcome(response.status_code, response.text)


def _headers(urgency: str, topic: str | None) -> dict:
    if urgency not in URGENCIES:
        raise ValueError(f"urgency must be one of {URGENCIES}, got {urgency!r}")
    headers = {"Urgency": urgency}
    if topic is not None:
        if not TOPIC.match(topic):
            raise ValueError(f"a topic is 1-32 characters of [A-Za-z0-9_-], got {topic!r}")
        headers["Topic"] = topic
    return headers


def outcome(status: int, text: str = "") -> bool:
    """What a push service's answer means: True accepted, False the subscription is gone."""
    if 200 <= status < 300:
        return True
    if status in (404, 410):
        return False
    detail = f"push service answered {status}: {text[:200]}"
    if status == 429 or status >= 500:
        raise DeliveryDeferred(detail)
    raise DeliveryRefused(detail)


def pusher_for(settings: Settings) -> WebPushSender:
    return WebPushSender(load_private_key(settings), subject=subject_of(settings.mail_from))


def main() -> None:
    """``python -m exchange.adapters.webpush``: a fresh key for ``EXCHANGE_VAPID_PRIVATE_KEY``."""
    key = ec.generate_private_key(ec.SECP256R1())
    print(f"EXCHANGE_VAPID_PRIVATE_KEY={raw_private_of(key)}")
    print(f"# its public key (what browsers subscribe with): {public_key_of(key)}")


if __name__ == "__main__":
    main()
