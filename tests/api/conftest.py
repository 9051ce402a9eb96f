"""API test helpers: tokens issued through the service, bearer headers, a DB snapshot."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from samverka.auth import tokens
from samverka.db import TenantScope, scoped

SNAPSHOT_TABLES = {
    "users": "*",
    "memberships": "*",
    "tenant_plugins": "*",
    "consortium_plugins": "*",
    # last_used_at moves with every authenticated request (at most once a minute)
    "api_tokens": "id, key, secret_hash, user_id, name, role_cap, expires_at, revoked_at",
    "tenants": "*",
    "consortia": "*",
}


@pytest.fixture
def issue(app, db):
    """``issue(user, tenant, role=None, expires_days=None) -> raw token``."""

    def make(user, tenant, role: str | None = None, expires_days: int | None = None) -> str:
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            issued = tokens.issue_token(
                db, user, tenant, name="test", role=role, expires_days=expires_days
            )
        db.commit()
        return issued.raw

    return make


@pytest.fixture
def token_a(issue, tenant_pair) -> str:
    """Sunne's administrator's token for Sunne."""
    return issue(tenant_pair.admin_a, tenant_pair.a)


@pytest.fixture
def snapshot(app, samverka_database):
    """Every row of the tables the API can change, read as the owner (RLS-free view)."""
    from samverka.db import make_engine

    def take() -> dict[str, list]:
        engine = make_engine(samverka_database.owner_url)
        try:
            with engine.connect() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(
                        text(
                            "SELECT set_config('samverka.tenant_ids', string_agg(id::text, ','),"
                            " false) FROM tenants"
                        )
                    )
                return {
                    table: sorted(
                        map(tuple, conn.execute(text(f"SELECT {columns} FROM {table}")).all()),
                        key=repr,
                    )
                    for table, columns in SNAPSHOT_TABLES.items()
                }
        finally:
            engine.dispose()

    return take
