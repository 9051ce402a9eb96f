"""Exports as background jobs (``core.export``): queued with :func:`request_export` in the
requesting transaction, made by a worker in the tenant's scope, with progress.

Exactly one file per job: the file's token is derived from the job itself (HMAC of the
outbox row's id and nonce under the secret key), so a run after a crash (the worker died
after writing the file, before the job was marked done) finds the file the earlier run made
and makes no second one; and the job's page finds the file without the job storing a
result. The token stays unguessable: without the secret key, knowing the job's id does not
give it. The file is bound to its tenant and to the user who asked for it
(``requested_by``): only that user downloads it, and only while they hold the kind's action.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from contextlib import suppress
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.errors import NotFound
from samverka.exports.service import check_request, export_store, run_export
from samverka.exports.store import ExportStore, StoredExport
from samverka.jobs.models import DONE, OutboxJob
from samverka.jobs.outbox import enqueue
from samverka.jobs.runner import current_job, report_progress
from samverka.runtime import db_session, runtime
from samverka.tenants.models import Tenant

JOB = "core.export"
EXPORTING = "Exporting"  # msgid of the job's progress text (marked below for extraction)
_l("Exporting")


def job_token(outbox_id: int, nonce: str) -> str:
    """The file name of a job's export: 43 URL-safe characters, the same for every attempt."""

    key = runtime().settings.secret_key.encode()
    digest = hmac.new(key, f"export:{outbox_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def store() -> ExportStore:

    return export_store(runtime().settings.instance_path)


def request_export(
    session: Session,
    tenant: Tenant,
    kind: str,
    format_name: Any,
    *,
    requested_by: int,
    locale: str = "sv",
) -> OutboxJob:
    """Queue ``core.export`` of ``kind`` in ``format_name`` for ``tenant`` in the session's
    transaction, and audit the request; the caller has checked the kind's action and commits.
    An unknown kind is NotFound, a format the kind cannot be made in a ValidationError:
    nothing is queued then."""
    check_request(kind, format_name)

    job = enqueue(
        session,
        JOB,
        tenant_id=tenant.id,
        kind=kind,
        spec={"format": format_name, "locale": locale},
        requested_by=requested_by,
    )
    record_event(
        session,
        "export.requested",
        tenant_id=tenant.id,
        target_type="job",
        target_id=job.id,
        details={"kind": kind, "format": format_name},
    )
    return job


def export(
    tenant_id: int, kind: str, spec: dict[str, Any], requested_by: int | None = None
) -> dict[str, Any]:
    """The job ``core.export``: make the file in the tenant's scope (the runner set it),
    reporting progress; a second run of the same job returns the file the first one made."""

    session = db_session()
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant")
    files = store()
    running = current_job()
    token = job_token(running.outbox_id, running.nonce) if running is not None else None
    if token is not None:
        with suppress(NotFound):
            return describe(files.get(tenant_id, token))  # made by an earlier run
    report_progress(0, 1, EXPORTING)
    stored = run_export(
        kind,
        as_requester(spec, requested_by),
        session=session,
        tenant=tenant,
        store=files,
        on_progress=lambda done, total: report_progress(done, total or done, EXPORTING),
        token=token,
        requested_by=requested_by,
    )
    return describe(stored)


def as_requester(spec: dict[str, Any], requested_by: int | None) -> dict[str, Any]:
    """The spec with the requester as the viewer (``user_id``): the only user who may
    download the file is the one whose roles decide what it shows (personal fields among
    them, :mod:`samverka.records.disclosure`). Whatever ``user_id`` the spec carried is
    replaced; without a requester the kind builds the operator's view, which never holds
    personal fields."""
    viewer = {"user_id": requested_by} if requested_by is not None else {}
    return {**{k: v for k, v in spec.items() if k != "user_id"}, **viewer}


def describe(stored: StoredExport) -> dict[str, Any]:
    return {"token": stored.token, "filename": stored.filename, "size": stored.size}


def export_of(job: OutboxJob) -> StoredExport | None:
    """The file a finished ``core.export`` job made (None: another job, not done, expired)."""
    if job.job != JOB or job.status != DONE or job.tenant_id is None:
        return None
    try:
        return store().get(job.tenant_id, job_token(job.id, job.nonce))
    except NotFound:
        return None


def purge(session: Session, now) -> int:
    """The periodic job ``core.export_purge``: expired files leave the store."""
    return store().purge_expired(now=now)
