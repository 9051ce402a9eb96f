"""Background jobs (``indicators.import_batch``, ``indicators.import_kolada``): each runs in
one transaction, so a failure (e.g. a Kolada page that is not JSON) stores nothing.

Progress texts are msgids, as in the core's jobs: ``report_progress`` stores the English
msgid and the job page translates it when it shows it (``samverka.web.jobs.status_text``),
so each reader sees their own language. The ``_l(...)`` lines only mark them for
extraction. An import reports its steps with real counts: the rows it is checking, then
(``imports.store``) the periods stored so far.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from samverka.toolkit import (
    ValidationError,
    db_session,
    plugin_config_for,
    record_event,
    report_progress,
)

from . import imports
from .models import NAME, ImportBatch

READING = "Reading the file"
_l("Reading the file")
CHECKING = "Checking rows"
_l("Checking rows")
FETCHING = "Fetching from Kolada"
_l("Fetching from Kolada")
COLLECTING = "Collecting sources"
_l("Collecting sources")
#: The msgid ``imports.store`` reports while it stores one period after the other.
IMPORTING = "Importing values"
_l("Importing values")


def import_batch(tenant_id: int, batch_id: int) -> None:
    """Check and store an uploaded file (own columns or Brå's mapping)."""
    session = db_session()
    report_progress(0, 1, READING)
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise ValidationError("no such import batch")
    tenant = batch_tenant(session, tenant_id)
    table = imports.read_table(batch.kind, batch.content)
    report_progress(0, rows_to_check(table), CHECKING)
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
    report_progress(0, 1, FETCHING)
    tenant = batch_tenant(session, tenant_id)
    base = plugin_config_for(session, tenant_id, NAME)["kolada_base_url"]
    objects = imports.fetch_kolada(
        imports.kolada_url(base, kpis, tenant.municipality_code or "", years)
    )
    report_progress(0, max(len(objects), 1), CHECKING)
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
    """Store the series of the hook ``publish_series`` as data elements and values."""
    from .services import sync_sources as _sync

    session = db_session()
    report_progress(0, 1, COLLECTING)
    counts = _sync(session, batch_tenant(session, tenant_id))
    record_event(
        session, "indicators.sources_sync", tenant_id=tenant_id, details={"stored": counts.stored}
    )


def rows_to_check(table: list[list[str]]) -> int:
    """The data rows below the header that the check reads (at most ``imports.MAX_ROWS``),
    at least 1 so the page shows a step rather than "waiting to start"."""
    return max(min(len(table) - 1, imports.MAX_ROWS), 1)


def batch_tenant(session, tenant_id: int):
    from samverka.toolkit import tenant_by_id

    return tenant_by_id(session, tenant_id)
