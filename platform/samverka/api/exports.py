"""Exports through the API: request one (a background job), follow the job, download the file.

``POST /exports`` validates the kind and format (422 problems), checks the kind's own action
(what its data needs on a page), queues ``core.export`` and answers 202 with the job and its
``Location``. ``GET /jobs/{id}`` shows any of the tenant's jobs (status, progress) and, for a
finished export, the download URL, given only to the user who asked for it.
``GET /exports/{token}`` serves the file to that user while they hold the kind's action.
"""

from __future__ import annotations

import marshmallow as ma
from flask import Response, send_file, url_for
from marshmallow import fields
from sqlalchemy import select

from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.problems import ApiProblem
from samverka.auth.authorization import authorize
from samverka.errors import NotFound
from samverka.exports.jobs import export_of, request_export, store
from samverka.exports.service import FORMATS, export_kind, export_kinds
from samverka.exports.store import StoredExport, safe_filename
from samverka.jobs.models import DONE, FAILED, OutboxJob
from samverka.runtime import db_session, runtime

MAX_ID = 2**31 - 1
bp = ApiBlueprint(
    "api_exports",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="Exports made by background jobs, and the jobs' progress.",
)


def _known_kind(kind: str) -> None:
    if kind not in export_kinds():
        raise ma.ValidationError(
            f"Not an export: choose one of {', '.join(sorted(export_kinds()))}."
        )


class ExportRequestSchema(ma.Schema):
    kind = fields.String(
        required=True,
        validate=_known_kind,
        metadata={"description": "The export, e.g. `tenant.members`, `tenant.organisation_sheet`."},
    )
    format = fields.String(required=True, validate=ma.validate.OneOf(sorted(FORMATS)))
    locale = fields.String(load_default="sv", validate=ma.validate.OneOf(["sv", "en"]))


class JobSchema(ma.Schema):
    id = fields.Integer(required=True)
    job = fields.String(required=True, metadata={"description": "e.g. `core.export`"})
    status = fields.String(
        required=True, metadata={"description": "pending | dispatched | running | done | failed"}
    )
    finished = fields.Boolean(required=True)
    done = fields.Integer(required=True, metadata={"description": "Steps done so far."})
    total = fields.Integer(required=True, metadata={"description": "Steps in all (0: unknown)."})
    percent = fields.Integer(required=True)
    download_url = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "A finished export's file, for the user who asked for it."},
    )


@bp.route("/exports", methods=["POST"])
@bp.arguments(ExportRequestSchema)
@bp.response(202, JobSchema, headers={"Location": {"schema": {"type": "string"}}})
@bp.problems(400, 403, 404, 413, 415, 422)
def create_export(body: dict):
    """Queue an export (the kind's own permission is needed); follow it at ``Location``."""
    require(export_kind(body["kind"]).action)
    who = caller()
    session = db_session()
    job = request_export(
        session,
        who.tenant,
        body["kind"],
        body["format"],
        requested_by=who.user.id,
        locale=body["locale"],
    )
    session.commit()
    location = url_for("api_exports.show_job", tenant=who.tenant.slug, job_id=job.id)
    return job_state(job), 202, {"Location": location}


@bp.route("/jobs/<int:job_id>", methods=["GET"])
@bp.response(200, JobSchema)
@bp.problems(403, 404)
def show_job(job_id: int):
    """One of the tenant's background jobs: status and progress (`tenant:jobs:view`)."""
    require("tenant:jobs:view")
    job = None
    if job_id <= MAX_ID:
        job = db_session().scalar(
            select(OutboxJob).where(
                OutboxJob.id == job_id, OutboxJob.tenant_id == caller().tenant.id
            )
        )
    if job is None:
        raise ApiProblem("not-found", f"No job {job_id} here.")
    return job_state(job)


@bp.route("/exports/<token>", methods=["GET"])
@bp.response(200, content_type="application/octet-stream", description="The file.")
@bp.problems(403, 404)
def download(token: str):
    """A finished export's file (CSV, XLSX or PDF), for the user who asked for it."""
    files = store()
    try:
        stored = files.get(caller().tenant.id, token)
    except NotFound:  # absent, another tenant's, expired, or not a token at all
        stored = None
    if stored is None or not stored.may_download(caller().user.id):
        raise ApiProblem("not-found", "No such export here (or it has expired).")
    require(stored.action)
    response: Response = send_file(
        files.open(stored),
        mimetype=stored.media_type,
        as_attachment=True,
        download_name=safe_filename(stored.filename),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def job_state(job: OutboxJob) -> dict:
    done, total = job.progress_done or 0, job.progress_total or 0
    percent = min(100, round(100 * done / total)) if total else (100 if job.status == DONE else 0)
    return {
        "id": job.id,
        "job": job.job,
        "status": job.status,
        "finished": job.status in (DONE, FAILED),
        "done": done,
        "total": total,
        "percent": percent,
        "download_url": _download_url(export_of(job)),
    }


def _download_url(stored: StoredExport | None) -> str | None:
    who = caller()
    if stored is None or not stored.may_download(who.user.id):
        return None
    if not authorize(
        db_session(), runtime().registry, who.principal, stored.action, tenant=who.tenant
    ):
        return None
    return url_for("api_exports.download", tenant=who.tenant.slug, token=stored.token)
