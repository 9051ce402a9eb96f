"""Encryption at rest: round trip, key rotation, refusal of unknown keys, ciphertext stored."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, select

from samverka.security import crypto
from samverka.security.crypto import EncryptedText, EncryptionError, generate_key


@pytest.fixture
def keys():
    old, new = generate_key(), generate_key()
    yield old, new
    crypto.configure(generate_key())


def test_round_trip_and_rotation(keys):
    old, new = keys
    crypto.configure(old)
    token = crypto.encrypt("klienthemlighet åäö")
    assert "klienthemlighet" not in token
    crypto.configure(f"{new},{old}")  # a new key in front: old values still readable
    assert crypto.decrypt(token) == "klienthemlighet åäö"
    rotated = crypto.rotate(token)
    crypto.configure(new)  # the old key dropped: only rotated values survive
    assert crypto.decrypt(rotated) == "klienthemlighet åäö"
    with pytest.raises(EncryptionError):
        crypto.decrypt(token)


def test_bad_keys_are_refused():
    with pytest.raises(ValueError, match="Fernet"):
        crypto.parse_keys("short")
    with pytest.raises(ValueError, match="no encryption key"):
        crypto.parse_keys(" , ")


def test_column_stores_only_ciphertext(keys):
    crypto.configure(keys[0])
    engine = create_engine("sqlite://")
    metadata = MetaData()
    secrets = Table(
        "secrets",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("value", EncryptedText()),
    )
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(secrets.insert().values(id=1, value="s3cret"))
        raw = conn.exec_driver_sql("SELECT value FROM secrets").scalar_one()
        assert "s3cret" not in raw
        assert conn.execute(select(secrets.c.value)).scalar_one() == "s3cret"
    engine.dispose()
