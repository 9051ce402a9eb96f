"""Exporting everything a tenant owns: requested by its administrator, built by a job.

``request_archive`` queues ``core.tenant_archive`` through the outbox in the caller's
transaction and records ``tenant.archive_request``; the job (:func:`tenant_archive`) runs in
the tenant's scope, reports progress one module at a time and stores the zip in the
``ExportStore`` tagged with its job id, so the job's page (and the API) find it; each
download records ``tenant.archive_download``. A second run of the same job (a duplicate
dispatch, a dead worker's job run again) finds the file already there and stops.
"""

from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.audit import record_event
from samverka.exports import export_store
from samverka.exports.store import StoredExport
from samverka.jobs.models import OutboxJob
from samverka.jobs.outbox import enqueue
from samverka.jobs.runner import current_job, report_progress
from samverka.lifecycle.builder import PROGRESS_MESSAGE, ProgressCallback, build_archive
from samverka.runtime import db_session, runtime
from samverka.tenants.models import Tenant

JOB = "core.tenant_archive"
ACTION = "tenant:archive:export"
MEDIA_TYPE = "application/zip"
REQUEST_EVENT = "tenant.archive_request"
DOWNLOAD_EVENT = "tenant.archive_download"
MAX_ID = 2**31 - 1


def request_archive(session: Session, tenant: Tenant, *, via: str = "web") -> OutboxJob:
    """Queue the archive job for ``tenant`` (session scoped to it); the caller commits."""

    job = enqueue(session, JOB, tenant_id=tenant.id)
    record_event(
        session,
        REQUEST_EVENT,
        tenant_id=tenant.id,
        target_type="job",
        target_id=job.id,
        details={"via": via},
    )
    return job


def write_archive(
    session: Session,
    tenant: Tenant,
    out: BinaryIO,
    *,
    on_progress: ProgressCallback | None = None,
):
    """The archive of ``tenant`` into ``out`` (session scoped to the tenant)."""

    return build_archive(
        session, runtime().host, tenant, out, now=clock.now(), on_progress=on_progress
    )


def archive_filename(tenant: Tenant, day: date | None = None) -> str:
    return f"Arkiv – {tenant.name} {(day or clock.today()).isoformat()}.zip"


def tenant_archive(tenant_id: int) -> dict[str, Any]:
    """The job ``core.tenant_archive``: build and store the archive (see module docstring)."""

    session = db_session()
    tenant = session.get(Tenant, tenant_id)
    running = current_job()  # the job's page finds the file by the job's id
    job_id = running.outbox_id if running is not None else None
    store = export_store(runtime().settings.instance_path)
    existing = store.find_for_job(tenant_id, job_id) if job_id is not None else None
    if existing is not None:  # this job already made its file: one effect
        return {"token": existing.token, "size": existing.size}

    def progress(done: int, total: int) -> None:
        report_progress(done, total, PROGRESS_MESSAGE)

    with store.create(
        tenant_id,
        archive_filename(tenant),
        MEDIA_TYPE,
        action=ACTION,
        job_id=job_id,
        download_event=DOWNLOAD_EVENT,
    ) as pending:
        write_archive(session, tenant, pending.file, on_progress=progress)
    return {"token": pending.stored.token, "size": pending.stored.size}


def archive_jobs(session: Session, tenant: Tenant, limit: int = 10) -> list[OutboxJob]:
    """The tenant's latest archive jobs, newest first."""
    return list(
        session.scalars(
            select(OutboxJob)
            .where(OutboxJob.tenant_id == tenant.id, OutboxJob.job == JOB)
            .order_by(OutboxJob.id.desc())
            .limit(limit)
        )
    )


def archive_job(session: Session, tenant: Tenant, job_id: int) -> OutboxJob | None:
    if not 0 < job_id <= MAX_ID:  # ids are INTEGER: a larger one names nothing (nor binds)
        return None
    return session.scalar(
        select(OutboxJob).where(
            OutboxJob.id == job_id, OutboxJob.tenant_id == tenant.id, OutboxJob.job == JOB
        )
    )


def archive_file(tenant: Tenant, job_id: int) -> StoredExport | None:
    """The stored archive the job made (None while it runs, after it failed or expired)."""

    return export_store(runtime().settings.instance_path).find_for_job(tenant.id, job_id)
