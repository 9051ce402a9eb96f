"""Audit test helpers: entries read past RLS, tampering as the database superuser."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from samverka.db import make_engine


@pytest.fixture
def superuser(app, samverka_database):
    """``with superuser() as conn`` : a connection that may change anything (SQLite: the file;
    PostgreSQL: the superuser, who is not bound by row-level security or grants)."""

    @contextmanager
    def connect() -> Iterator:
        url = samverka_database.admin_url or samverka_database.owner_url
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                yield conn
        finally:
            engine.dispose()

    return connect


@pytest.fixture
def entries(superuser):
    """``entries(where="")`` : every audit entry as a dict, in id order."""

    def read(where: str = "", **params) -> list[dict]:
        with superuser() as conn:
            rows = conn.execute(
                text(f"SELECT * FROM audit_entries {where} ORDER BY id"), params
            ).mappings()
            return [dict(r) for r in rows]

    return read
