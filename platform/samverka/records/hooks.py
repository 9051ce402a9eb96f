"""Records' part of the core, registered through the hooks like a plugin's: the permissions
on records, the core's record types, retention and the attachment sweep, the records in a
tenant's archive and their release when it is deleted, and the records-per-year series."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import extract, func, select

from samverka.auth.authorization import OPERATOR
from samverka.auth.hooks import TENANT_ROLES, TOP
from samverka.auth.permissions import Permission
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import PeriodicJob, PublishedSeries
from samverka.records.core_types import core_record_types
from samverka.records.lifecycle import export_tenant_records, release_tenant
from samverka.records.models import Record
from samverka.records.retention import purge_expired
from samverka.records.sweep import sweep_orphan_files
from samverka.records.types import RecordType

RECORD_WRITERS = ("tenant_admin", "coordinator", "contributor")


def record_permissions() -> list[Permission]:
    """Records (samverka.records): the operator may read, share and purge from the command
    line but never sees personal fields."""
    return [
        Permission(
            "tenant:records:read",
            "Read the organisation's records and those shared with it",
            (*TENANT_ROLES, OPERATOR),
        ),
        Permission(
            "tenant:records:write", "Create and edit the organisation's records", RECORD_WRITERS
        ),
        Permission(
            "tenant:records:delete",
            "Delete and restore the organisation's records",
            ("tenant_admin", "coordinator", OPERATOR),
        ),
        Permission(
            "tenant:records:share",
            "Share the organisation's records with other organisations, revoke shares",
            ("tenant_admin", "coordinator", OPERATOR),
        ),
        Permission(
            "tenant:records:read_personal",
            "See personal data in records (fields marked as personal)",
            ("tenant_admin", "coordinator"),
        ),
        Permission(
            "tenant:records:attachments",
            "Add and remove attachments of the organisation's records",
            RECORD_WRITERS,
        ),
        Permission(
            "platform:records:purge",
            "Purge records past their retention or restore window",
            TOP,
        ),
    ]


@hookimpl
def register_permissions() -> list[Permission]:
    return record_permissions()


@hookimpl
def register_record_types() -> list[RecordType]:
    return core_record_types()


@hookimpl
def register_periodic_jobs() -> list[PeriodicJob]:
    """Records past retention; attachment files orphaned by a crash."""
    return [
        PeriodicJob("core.record_retention", timedelta(hours=24), purge_expired),
        PeriodicJob("core.attachment_sweep", timedelta(hours=24), sweep_orphan_files),
    ]


@hookimpl
def export_tenant_data(session, tenant, archive) -> None:
    export_tenant_records(session, tenant, archive)


@hookimpl
def before_tenant_delete(session, tenant) -> None:
    """The tenant's attachments' files, and every share to and from it (revoked, audited in
    the owners' chains)."""
    release_tenant(session, tenant)


@hookimpl
def publish_series(session, tenant) -> list[PublishedSeries]:
    """Records created per year and type (not deleted): a countable series for indicators,
    counted by the database."""
    year = extract("year", Record.created_at)
    rows = session.execute(
        select(Record.type_name, year, func.count())
        .where(Record.deleted_at.is_(None), Record.tenant_id == tenant.id)
        .group_by(Record.type_name, year)
    ).all()
    series: dict[str, dict[str, float]] = {}
    for type_name, created, count in rows:
        series.setdefault(type_name, {})[str(int(created))] = float(count)
    return [
        PublishedSeries(f"core.records.{name}"[:40], f"Records of type {name}", "antal", values)
        for name, values in sorted(series.items())
    ]
