"""Encryption at rest for secrets the platform must read back (OIDC client secrets, TOTP seeds).

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with key rotation: the first key
of ``SAMVERKA_ENCRYPTION_KEYS`` encrypts, every listed key decrypts, so an operator adds a
new key in front, re-encrypts (``rotate``) and later drops the old one. Without the setting a
key is generated once and kept in the instance folder (development and demo only; production
refuses to start without it).

Columns use :class:`EncryptedText`; the keys are those of the running app, installed by the
application factory with :func:`configure`.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

_fernet: MultiFernet | None = None


class EncryptionError(RuntimeError):
    """A value could not be decrypted with any configured key (wrong or missing key)."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def parse_keys(keys: str) -> list[str]:
    """Comma- or whitespace-separated Fernet keys; each must be valid, at least one given."""
    parsed = [key for key in keys.replace(",", " ").split() if key]
    if not parsed:
        raise ValueError("no encryption key given")
    for key in parsed:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ValueError(
                "an encryption key is not a Fernet key (32 url-safe base64 bytes)"
            ) from None
    return parsed


def configure(keys: str) -> None:
    """Install the running app's keys (called by the application factory)."""
    global _fernet
    _fernet = MultiFernet([Fernet(key) for key in parse_keys(keys)])


def _current() -> MultiFernet:
    if _fernet is None:
        raise EncryptionError("encryption keys are not configured")
    return _fernet


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise EncryptionError("value cannot be decrypted with the configured keys") from None


def rotate(token: str) -> str:
    """Re-encrypt under the first (newest) key."""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise EncryptionError("value cannot be decrypted with the configured keys") from None


class EncryptedText(TypeDecorator):
    """A text column stored encrypted; Python sees plaintext, the database only ciphertext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)


class EncryptedJSON(TypeDecorator):
    """A JSON document (records' field data) stored encrypted as text: the database never
    sees the values, so neither backups nor a reader with table access learn personal data."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")))

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(decrypt(value))
