"""Settings: environment variables, embedded defaults, refusal of unsafe production."""

from __future__ import annotations

import stat

import pytest

from samverka.config import ConfigurationError, Settings
from samverka.security.crypto import generate_key

KEY = generate_key()


def test_embedded_defaults(tmp_path):
    settings = Settings.from_env({}, instance_path=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'samverka.db'}"
    assert settings.database_owner_url == settings.database_url
    assert len(settings.secret_key) >= 32
    secret_file = tmp_path / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert Settings.from_env({}, instance_path=tmp_path).secret_key == settings.secret_key
    key_file = tmp_path / "encryption_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text() == settings.encryption_keys
    assert Settings.from_env({}, instance_path=tmp_path).encryption_keys == settings.encryption_keys


def test_environment_variables(tmp_path):
    settings = Settings.from_env(
        {
            "SAMVERKA_DATABASE_URL": "postgresql+psycopg://app@db/samverka",
            "SAMVERKA_DATABASE_OWNER_URL": "postgresql+psycopg://owner@db/samverka",
            "SAMVERKA_REDIS_URL": "redis://cache:6379/0",
            "SAMVERKA_SECRET_KEY": "k" * 40,
            "SAMVERKA_ALLOW_RLS_BYPASS": "true",
            "SAMVERKA_INSTANCE_PATH": str(tmp_path),
        }
    )
    assert settings.is_postgresql
    assert settings.database_owner_url.startswith("postgresql+psycopg://owner")
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.allow_rls_bypass is True
    assert settings.instance_path == tmp_path


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SAMVERKA_REDIS_URL": "redis://x"}, "SAMVERKA_SECRET_KEY must be set"),
        ({"SAMVERKA_SECRET_KEY": "short", "SAMVERKA_REDIS_URL": "redis://x"}, "at least 32"),
        ({"SAMVERKA_SECRET_KEY": "k" * 40}, "SAMVERKA_ENCRYPTION_KEYS must be set"),
        (
            {"SAMVERKA_SECRET_KEY": "k" * 40, "SAMVERKA_ENCRYPTION_KEYS": "not-a-key"},
            "not a Fernet key",
        ),
        (
            {"SAMVERKA_SECRET_KEY": "k" * 40, "SAMVERKA_ENCRYPTION_KEYS": KEY},
            "SAMVERKA_REDIS_URL must be set",
        ),
        (
            {
                "SAMVERKA_SECRET_KEY": "k" * 40,
                "SAMVERKA_ENCRYPTION_KEYS": KEY,
                "SAMVERKA_REDIS_URL": "redis://x",
            },
            "SAMVERKA_SMTP_HOST must be set",
        ),
        (
            {
                "SAMVERKA_SECRET_KEY": "k" * 40,
                "SAMVERKA_ENCRYPTION_KEYS": KEY,
                "SAMVERKA_REDIS_URL": "redis://x",
                "SAMVERKA_SMTP_HOST": "smtp.example.se",
            },
            "SAMVERKA_PUBLIC_URL must be set",
        ),
    ],
)
def test_production_refuses_unsafe_defaults(tmp_path, env, message):
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env({"SAMVERKA_ENV": "production", **env}, instance_path=tmp_path)
    assert not (tmp_path / "secret_key").exists()
    assert not (tmp_path / "encryption_key").exists()


def test_production_with_explicit_settings_starts(tmp_path):
    settings = Settings.from_env(
        {
            "SAMVERKA_ENV": "production",
            "SAMVERKA_SECRET_KEY": "k" * 40,
            "SAMVERKA_ENCRYPTION_KEYS": f"{generate_key()}, {KEY}",
            "SAMVERKA_REDIS_URL": "redis://x",
            "SAMVERKA_SMTP_HOST": "smtp.example.se",
            "SAMVERKA_PUBLIC_URL": "https://samverka.example.se",
        },
        instance_path=tmp_path,
    )
    assert settings.is_production


def test_account_settings_are_read_as_numbers(tmp_path):
    settings = Settings.from_env(
        {"SAMVERKA_LOGIN_WINDOW_SECONDS": "60", "SAMVERKA_SMTP_STARTTLS": "no"},
        instance_path=tmp_path,
    )
    assert settings.login_window_seconds == 60
    assert settings.smtp_starttls is False


@pytest.mark.parametrize(
    "value", ["samverka.example.se", "javascript:alert(1)", "https://", "https://x.se/?a=1"]
)
def test_the_public_url_must_be_an_http_address(tmp_path, value):
    with pytest.raises(ConfigurationError, match="SAMVERKA_PUBLIC_URL"):
        Settings.from_env({"SAMVERKA_PUBLIC_URL": value}, instance_path=tmp_path)


def test_links_leave_the_site_on_the_public_url_or_the_development_default(tmp_path):
    """Never the request's Host header (finding 9d): the base is a setting, not a guess."""
    assert Settings.from_env({}, instance_path=tmp_path).link_base_url == "http://127.0.0.1:5000"
    configured = {"SAMVERKA_PUBLIC_URL": "https://samverka.example.se/"}
    base = Settings.from_env(configured, instance_path=tmp_path).link_base_url
    assert base == "https://samverka.example.se"
