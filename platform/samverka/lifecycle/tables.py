"""A module's own tables in the tenant archive: each of the tenant's rows, one JSON line per
row and one file per table under the module's folder (``<folder>/<table>.jsonl``), read in
the tenant's own scope. What the records services export (``records/``) is not repeated."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.db import TenantScope, scoped
from samverka.tenants.models import Tenant


def row_values(obj: Any) -> dict[str, Any]:
    """Every column of a row (the archive writes dates as ISO 8601)."""
    return {column.key: getattr(obj, column.key) for column in obj.__table__.columns}


def export_tables(
    session: Session, tenant: Tenant, archive: Any, folder: str, models: Iterable[type]
) -> dict[str, int]:
    """Write ``tenant``'s rows of each of ``models`` (tenant-owned: a ``tenant_id``);
    returns the count per table for the archive's manifest."""
    counts = {}
    with scoped(session, TenantScope.for_tenant(tenant.id)):
        for model in models:
            rows = session.scalars(
                select(model).where(model.tenant_id == tenant.id).order_by(model.id)
            ).all()
            archive.add_jsonl(f"{folder}/{model.__tablename__}.jsonl", map(row_values, rows))
            counts[model.__tablename__] = len(rows)
    return counts
