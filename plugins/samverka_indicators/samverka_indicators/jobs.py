"""Background jobs (``indicators.import_batch``, ``indicators.import_kolada``): each runs in
one transaction, so a failure (e.g. a Kolada page that is not JSON) stores nothing."""

from __future__ import annotations

from samverka.plugins.api import (
    ValidationError,
    db_session,
    plugin_config_for,
    record_event,
    report_progress,
)

from . import imports
from .models import NAME, ImportBatch


def import_batch(tenant_id: int, batch_id: int) -> None:
    """Check and store an uploaded file (own columns or Brå's mapping)."""
    session = db_session()
    report_progress(0, 1, "Checking rows")
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise ValidationError("no such import batch")
    tenant = batch_tenant(session, tenant_id)
    table = imports.read_table(batch.kind, batch.content)
    if batch.kind.startswith("bra"):
        mapping = plugin_config_for(session, tenant_id, NAME).get("bra_mapping", {})
        checked = imports.check_bra(session, tenant, table, mapping)
    else:
        checked = imports.check_rows(session, tenant, table)
    counts = imports.store(session, tenant_id, checked)
    # consortium reads changed the scope, which takes loaded rows out of the session
    batch = session.get(ImportBatch, batch_id)
    batch.status = "done" if not checked.errors else "partial"
    batch.stored = counts.stored
    batch.report = imports.report(checked, counts)
    record_event(
        session,
        "indicators.import",
        tenant_id=tenant_id,
        target_type="import_batch",
        target_id=batch.id,
        details={"stored": counts.stored},
    )


def import_kolada(tenant_id: int, kpis: list[str], years: list[str]) -> None:
    """Fetch the tenant's values of ``kpis`` for ``years`` from the configured Kolada."""
    session = db_session()
    report_progress(0, 1, "Fetching from Kolada")
    tenant = batch_tenant(session, tenant_id)
    base = plugin_config_for(session, tenant_id, NAME)["kolada_base_url"]
    objects = imports.fetch_kolada(
        imports.kolada_url(base, kpis, tenant.municipality_code or "", years)
    )
    checked = imports.check_kolada(session, tenant, objects)
    counts = imports.store(session, tenant_id, checked)
    record_event(
        session,
        "indicators.import",
        tenant_id=tenant_id,
        target_type="kolada",
        details={"stored": counts.stored},
    )


def sync_sources(tenant_id: int) -> None:
    """Store the series of the hook ``indicator_sources`` as data elements and values."""
    from .services import sync_sources as _sync

    session = db_session()
    report_progress(0, 1, "Collecting sources")
    counts = _sync(session, batch_tenant(session, tenant_id))
    record_event(
        session, "indicators.sources_sync", tenant_id=tenant_id, details={"stored": counts.stored}
    )


def batch_tenant(session, tenant_id: int):
    from samverka.plugins.api import tenant_by_id

    return tenant_by_id(session, tenant_id)
