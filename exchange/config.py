"""Settings from ``EXCHANGE_*`` environment variables.

Read once into an immutable ``Settings``; tests build their own with ``Settings.from_env(env)``
or ``dataclasses.replace``. Development generates a secret key once and keeps it in the
instance folder; production refuses to start without one, or with rate limits off.
"""

from __future__ import annotations

import email.policy
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ENVIRONMENTS = ("development", "production", "test")
DEFAULT_MAIL_FROM = "The exchange <exchange@localhost>"


class ConfigError(RuntimeError):
    """The configuration cannot run: the message says what to set."""


def _int(env: dict, name: str, default: int, low: int = 1) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < low:
        raise ConfigError(f"{name} must be at least {low}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    instance_dir: Path = Path("instance")
    database_url: str = ""
    redis_url: str | None = None
    secret_key: str = ""
    # EXCHANGE_SECRET_KEY_PREVIOUS: keys retired by a rotation, still accepted on what they signed
    # (sessions, links in mail already sent), never used to sign anything new.
    previous_secret_keys: tuple[str, ...] = ()
    wave_size: int = 3
    wave_seconds: int = 600
    max_waves: int = 4
    auto_hide_flags: int = 3
    rate_limits: bool = True
    trusted_proxies: int = 0
    push_channel: str = "exchange"
    # Mail and Web Push (reaching members off the page)
    smtp_url: str | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    base_url: str = ""
    mail_delay_seconds: int = 120
    vapid_private_key: str | None = None
    trace_hops: bool = False  # EXCHANGE_TRACE_HOPS=1: time each hop of post → offer (bench)
    # Operations (CONTRACT §14, docs/operations.md)
    allowed_origins: tuple[str, ...] = ()  # EXCHANGE_ALLOWED_ORIGINS; () = the app's own origin
    metrics_token: str | None = None  # EXCHANGE_METRICS_TOKEN; unset = /metrics from loopback only
    log_format: str = "plain"  # EXCHANGE_LOG_FORMAT: plain or json (json by default in production)
    extra: dict = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def verifying_keys(self) -> tuple[str, ...]:
        """Every key a signature may have been made with, oldest first and the current key
        last: itsdangerous checks against each and signs with the last."""
        return (*self.previous_secret_keys, self.secret_key)

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def mail_dir(self) -> Path:
        """Where mail goes as ``.eml`` files when no SMTP server is configured."""
        return self.instance_dir / "mail"

    def link(self, path: str) -> str:
        """An absolute link for a message: ``EXCHANGE_BASE_URL`` + ``path``."""
        return (self.base_url or "http://127.0.0.1:5000").rstrip("/") + path

    @classmethod
    def from_env(cls, env: dict | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        kind = env.get("EXCHANGE_ENV", "development")
        if kind not in ENVIRONMENTS:
            raise ConfigError(f"EXCHANGE_ENV must be one of {', '.join(ENVIRONMENTS)}")
        instance = Path(env.get("EXCHANGE_INSTANCE_DIR") or "instance").resolve()
        url = env.get("EXCHANGE_DATABASE_URL") or f"sqlite:///{instance / 'exchange.db'}"
        limits = env.get("EXCHANGE_RATE_LIMITS", "on").lower()
        if limits not in ("on", "off"):
            raise ConfigError("EXCHANGE_RATE_LIMITS must be 'on' or 'off'")
        if kind == "production" and limits == "off":
            raise ConfigError("EXCHANGE_RATE_LIMITS=off is refused in production")
        smtp_url = env.get("EXCHANGE_SMTP_URL") or None
        if smtp_url and not smtp_url.startswith(("smtp://", "smtps://")):
            raise ConfigError("EXCHANGE_SMTP_URL must start with smtp:// or smtps://")
        if kind == "production" and not smtp_url:
            raise ConfigError("EXCHANGE_SMTP_URL is required in production (members reset "
                              "passwords and hear of asks by mail); refusing to start")
        base_url = (env.get("EXCHANGE_BASE_URL") or "").rstrip("/")
        if base_url and not base_url.startswith(("http://", "https://")):
            raise ConfigError("EXCHANGE_BASE_URL must start with http:// or https://")
        if kind == "production" and not base_url:
            raise ConfigError("EXCHANGE_BASE_URL is required in production: every link in a "
                              "message starts with it")
        return cls(
            env=kind,
            instance_dir=instance,
            database_url=url,
            redis_url=env.get("EXCHANGE_REDIS_URL") or None,
            secret_key=_secret_key(env, kind, instance),
            previous_secret_keys=_previous_keys(env.get("EXCHANGE_SECRET_KEY_PREVIOUS") or ""),
            wave_size=_int(env, "EXCHANGE_WAVE_SIZE", 3),
            wave_seconds=_int(env, "EXCHANGE_WAVE_SECONDS", 600),
            max_waves=_int(env, "EXCHANGE_MAX_WAVES", 4),
            auto_hide_flags=_int(env, "EXCHANGE_AUTO_HIDE_FLAGS", 3),
            rate_limits=limits == "on",
            trusted_proxies=_int(env, "EXCHANGE_TRUSTED_PROXIES", 0, low=0),
            push_channel=env.get("EXCHANGE_PUSH_CHANNEL") or "exchange",
            smtp_url=smtp_url,
            mail_from=_mail_from(env.get("EXCHANGE_MAIL_FROM") or DEFAULT_MAIL_FROM),
            base_url=base_url,
            mail_delay_seconds=_int(env, "EXCHANGE_MAIL_DELAY_SECONDS", 120, low=0),
            vapid_private_key=env.get("EXCHANGE_VAPID_PRIVATE_KEY") or None,
            trace_hops=env.get("EXCHANGE_TRACE_HOPS", "").lower() in ("1", "on", "true"),
            allowed_origins=_origins(env.get("EXCHANGE_ALLOWED_ORIGINS") or ""),
            metrics_token=env.get("EXCHANGE_METRICS_TOKEN") or None,
            log_format=_log_format(env, kind),
        )


def _origins(raw: str) -> tuple[str, ...]:
    """``https://a.example, https://b.example`` → each origin exactly (scheme://host[:port])."""
    found = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in found:
        scheme, sep, rest = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not rest or "/" in rest:
            raise ConfigError("EXCHANGE_ALLOWED_ORIGINS must list origins like "
                              f"https://exchange.example.org, comma-separated; got {origin!r}")
    return found


def _log_format(env: dict, kind: str) -> str:
    value = (env.get("EXCHANGE_LOG_FORMAT") or ("json" if kind == "production" else "plain"))
    if value.lower() not in ("plain", "json"):
        raise ConfigError("EXCHANGE_LOG_FORMAT must be 'plain' or 'json'")
    return value.lower()


def _mail_from(value: str) -> str:
    """One address (a name is optional); the address itself in ASCII, since it goes into the
    SMTP envelope and every Message-ID."""
    header = email.policy.default.header_factory("From", value)
    found = header.addresses
    if header.defects or len(found) != 1 or not (found[0].username and found[0].domain) \
            or not found[0].addr_spec.isascii():
        raise ConfigError('EXCHANGE_MAIL_FROM must be one address, like "The exchange '
                          '<exchange@example.org>" (a name with a comma goes in double quotes; '
                          f"the address itself in ASCII), got {value!r}")
    return value


def _previous_keys(raw: str) -> tuple[str, ...]:
    """``old2,old1`` (newest retired key first, as an operator adds them) → oldest first."""
    found = [key.strip() for key in raw.split(",") if key.strip()]
    for key in found:
        if len(key) < 16:
            raise ConfigError("EXCHANGE_SECRET_KEY_PREVIOUS lists retired secret keys, "
                              "comma-separated; one of them is too short to be one")
    return tuple(reversed(found))


def _secret_key(env: dict, kind: str, instance: Path) -> str:
    key = env.get("EXCHANGE_SECRET_KEY")
    if key:
        return key
    if kind == "production":
        raise ConfigError("EXCHANGE_SECRET_KEY is required in production; refusing to start")
    if kind == "test":
        return "test-secret-key"
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
