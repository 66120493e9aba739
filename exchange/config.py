"""Settings from ``EXCHANGE_*`` environment variables.

Read once into an immutable ``Settings``; tests build their own with ``Settings.from_env(env)``
or ``dataclasses.replace``. Development generates a secret key once and keeps it in the
instance folder; production refuses to start without one, or with rate limits off.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ENVIRONMENTS = ("development", "production", "test")


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
    wave_size: int = 3
    wave_seconds: int = 600
    max_waves: int = 4
    auto_hide_flags: int = 3
    rate_limits: bool = True
    trusted_proxies: int = 0
    push_channel: str = "exchange"
    extra: dict = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

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
        return cls(
            env=kind,
            instance_dir=instance,
            database_url=url,
            redis_url=env.get("EXCHANGE_REDIS_URL") or None,
            secret_key=_secret_key(env, kind, instance),
            wave_size=_int(env, "EXCHANGE_WAVE_SIZE", 3),
            wave_seconds=_int(env, "EXCHANGE_WAVE_SECONDS", 600),
            max_waves=_int(env, "EXCHANGE_MAX_WAVES", 4),
            auto_hide_flags=_int(env, "EXCHANGE_AUTO_HIDE_FLAGS", 3),
            rate_limits=limits == "on",
            trusted_proxies=_int(env, "EXCHANGE_TRUSTED_PROXIES", 0, low=0),
            push_channel=env.get("EXCHANGE_PUSH_CHANNEL") or "exchange",
        )


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
