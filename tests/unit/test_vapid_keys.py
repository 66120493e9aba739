"""The VAPID key: from EXCHANGE_VAPID_PRIVATE_KEY (PEM or raw), or generated once into the
instance folder and reused — by every process starting at once — and its public half in the
form ``PushManager.subscribe`` takes."""

from __future__ import annotations

import base64
import logging
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from exchange.adapters import webpush
from exchange.config import ConfigError, Settings


def settings_for(instance: Path, **env: str) -> Settings:
    base = {"EXCHANGE_ENV": "test", "EXCHANGE_INSTANCE_DIR": str(instance)}
    if env.get("EXCHANGE_ENV") == "production":
        base.update(EXCHANGE_SECRET_KEY="s" * 40, EXCHANGE_SMTP_URL="smtp://mail:25",
                    EXCHANGE_BASE_URL="https://exchange.example.org")
    return Settings.from_env({**base, **env})


def pem(key, fmt=serialization.PrivateFormat.PKCS8) -> str:
    return key.private_bytes(serialization.Encoding.PEM, fmt,
                             serialization.NoEncryption()).decode()


def decoded(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_key_is_generated_once_into_the_instance_folder_and_reused(tmp_path):
    settings = settings_for(tmp_path / "instance")
    first = webpush.public_key_of(webpush.load_private_key(settings))
    again = webpush.public_key_of(webpush.load_private_key(settings))
    path = tmp_path / "instance" / "vapid_private.pem"
    assert first == again
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_processes_starting_together_agree_on_one_key(tmp_path):
    settings, start, keys = settings_for(tmp_path / "instance"), threading.Barrier(8), []

    def first_start():
        start.wait()
        keys.append(webpush.public_key_of(webpush.load_private_key(settings)))

    threads = [threading.Thread(target=first_start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert [p.name for p in (tmp_path / "instance").iterdir()] == ["vapid_private.pem"]


@pytest.mark.parametrize("fmt", [serialization.PrivateFormat.PKCS8,
                                 serialization.PrivateFormat.TraditionalOpenSSL],
                         ids=["pkcs8", "sec1"])
def test_a_pem_from_the_environment_is_used_and_nothing_is_written(tmp_path, fmt):
    key = ec.generate_private_key(ec.SECP256R1())
    settings = settings_for(tmp_path / "instance", EXCHANGE_VAPID_PRIVATE_KEY=pem(key, fmt))
    assert webpush.public_key_of(webpush.load_private_key(settings)) == webpush.public_key_of(key)
    assert not (tmp_path / "instance" / "vapid_private.pem").exists()


def test_a_pem_on_one_line_with_written_out_newlines_is_accepted(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    one_line = pem(key).strip().replace("\n", "\\n")
    settings = settings_for(tmp_path, EXCHANGE_VAPID_PRIVATE_KEY=one_line)
    assert webpush.public_key_of(webpush.load_private_key(settings)) == webpush.public_key_of(key)


@pytest.mark.parametrize("padded", [False, True])
def test_the_raw_32_byte_key_in_base64url_is_accepted(tmp_path, padded):
    key = ec.generate_private_key(ec.SECP256R1())
    raw = webpush.raw_private_of(key)
    assert len(decoded(raw)) == 32 and "=" not in raw
    raw = raw + "=" if padded else raw
    settings = settings_for(tmp_path, EXCHANGE_VAPID_PRIVATE_KEY=raw)
    assert webpush.public_key_of(webpush.load_private_key(settings)) == webpush.public_key_of(key)


@pytest.mark.parametrize("value", [
    "not a key", base64.urlsafe_b64encode(b"x" * 31).decode(), "A" * 43,
    pem(ec.generate_private_key(ec.SECP384R1())),
    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
], ids=["words", "31 bytes", "zero", "P-384", "broken PEM"])
def test_anything_else_in_the_variable_is_refused_with_advice(tmp_path, value):
    with pytest.raises(ConfigError, match="EXCHANGE_VAPID_PRIVATE_KEY"):
        webpush.load_private_key(settings_for(tmp_path, EXCHANGE_VAPID_PRIVATE_KEY=value))


def test_the_public_key_is_the_uncompressed_p256_point_in_base64url():
    key = ec.generate_private_key(ec.SECP256R1())
    public = webpush.public_key_of(key)
    point = decoded(public)
    assert len(point) == 65 and point[0] == 4 and "=" not in public
    again = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    assert again.public_numbers() == key.public_key().public_numbers()


def test_production_generates_a_key_only_where_it_can_write_and_says_so(tmp_path, caplog):
    settings = settings_for(tmp_path / "instance", EXCHANGE_ENV="production")
    with caplog.at_level(logging.WARNING, logger="exchange.adapters.webpush"):
        webpush.load_private_key(settings)
    assert "set EXCHANGE_VAPID_PRIVATE_KEY" in caplog.text
    assert (tmp_path / "instance" / "vapid_private.pem").exists()


def test_production_refuses_a_folder_it_cannot_write_instead_of_making_a_key_elsewhere(tmp_path):
    (tmp_path / "a-file").write_text("")
    settings = settings_for(tmp_path / "a-file" / "instance", EXCHANGE_ENV="production")
    with pytest.raises(ConfigError, match="Set EXCHANGE_VAPID_PRIVATE_KEY"):
        webpush.load_private_key(settings)


def test_a_broken_key_file_is_named_rather_than_replaced(tmp_path):
    (tmp_path / "vapid_private.pem").write_text("garbage")
    with pytest.raises(ConfigError, match="vapid_private.pem"):
        webpush.load_private_key(settings_for(tmp_path))
    assert (tmp_path / "vapid_private.pem").read_text() == "garbage"


def test_the_key_maker_prints_a_key_the_variable_accepts(tmp_path, capsys):
    webpush.main()
    lines = capsys.readouterr().out.splitlines()
    name, _, raw = lines[0].partition("=")
    assert name == "EXCHANGE_VAPID_PRIVATE_KEY"
    key = webpush.load_private_key(settings_for(tmp_path, EXCHANGE_VAPID_PRIVATE_KEY=raw))
    assert lines[1].endswith(webpush.public_key_of(key))


def test_the_sender_signs_as_the_sender_address_with_the_deployments_key(tmp_path):
    settings = settings_for(tmp_path, EXCHANGE_MAIL_FROM="The exchange <hello@exchange.example>")
    sender = webpush.pusher_for(settings)
    assert sender.subject == "mailto:hello@exchange.example"
    assert sender.public_key == webpush.public_key_of(webpush.load_private_key(settings))
