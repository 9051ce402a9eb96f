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
def entries(superuser, baseline):
    """``entries(where="")`` : the audit entries recorded since the test's set-up (the
    ``tenant_pair`` fixture records its own), as dicts in id order."""

    def read(where: str = "", **params) -> list[dict]:
        condition = f"WHERE id > :baseline {'AND ' + where if where else ''}"
        with superuser() as conn:
            rows = conn.execute(
                text(f"SELECT * FROM audit_entries {condition} ORDER BY id"),
                {"baseline": baseline, **params},
            ).mappings()
            return [dict(r) for r in rows]

    return read


@pytest.fixture
def baseline(superuser, tenant_pair) -> int:
    """The last entry id once the tenants and users of ``tenant_pair`` exist."""
    with superuser() as conn:
        return conn.scalar(text("SELECT coalesce(max(id), 0) FROM audit_entries"))
