"""``/api/v1/tenants/{tenant}/archive``: the whole-tenant archive through the API.

``POST`` (body ``{}``) queues the job ``core.tenant_archive`` and answers 202 with its id and
status address; ``GET …/archive/{job_id}`` tells how far it is (the same state as the web's
progress bar) and, when done, where the file is; ``GET …/archive/{job_id}/file`` downloads
the zip (recorded as ``tenant.archive_download``). Permission ``tenant:archive:export``.
"""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from marshmallow import fields

from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.problems import ApiProblem
from samverka.exports import export_store
from samverka.lifecycle import export
from samverka.runtime import db_session, runtime
from samverka.web.exports import send_stored
from samverka.web.jobs import status_of

bp = ApiBlueprint(
    "tenant_archive",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="The organisation's whole data as one archive.",
)


class ArchiveRequestSchema(ma.Schema):
    """No options yet: send ``{}``."""


class ArchiveJobSchema(ma.Schema):
    job_id = fields.Integer(required=True)
    status = fields.String(
        required=True, metadata={"description": "pending | dispatched | running | done | failed"}
    )
    finished = fields.Boolean(required=True)
    done = fields.Integer(required=True, metadata={"description": "Modules exported so far."})
    total = fields.Integer(required=True)
    percent = fields.Integer(required=True)
    status_url = fields.String(required=True)
    file_url = fields.String(
        required=True, allow_none=True, metadata={"description": "The zip, once it is made."}
    )


def job_state(job) -> dict:
    state = status_of(job)
    stored = export.archive_file(caller().tenant, job.id)
    slug = caller().tenant.slug
    file_url = url_for("tenant_archive.archive_download", tenant=slug, job_id=job.id)
    return {
        "job_id": job.id,
        "status": state["status"],
        "finished": state["finished"],
        "done": state["done"],
        "total": state["total"],
        "percent": state["percent"],
        "status_url": url_for("tenant_archive.archive_status", tenant=slug, job_id=job.id),
        "file_url": file_url if stored else None,
    }


def archive_job(job_id: int):
    found = export.archive_job(db_session(), caller().tenant, job_id)
    if found is None:
        raise ApiProblem("not-found", f"No archive job {job_id} here.")
    return found


@bp.route("/archive", methods=["POST"])
@bp.arguments(ArchiveRequestSchema)
@bp.response(202, ArchiveJobSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def request_archive(_body: dict):
    """Queue the archive of everything the organisation owns (`tenant:archive:export`)."""
    require(export.ACTION)
    session = db_session()
    job = export.request_archive(session, caller().tenant, via="api")
    session.commit()
    return job_state(job)


@bp.route("/archive/<int:job_id>", methods=["GET"])
@bp.response(200, ArchiveJobSchema)
@bp.problems(403, 404)
def archive_status(job_id: int):
    """How far the archive job is; `file_url` once the zip can be downloaded."""
    require(export.ACTION)
    return job_state(archive_job(job_id))


@bp.route("/archive/<int:job_id>/file", methods=["GET"])
@bp.doc(
    responses={
        "200": {
            "description": "The zip archive (manifest.json, README.txt, core/, <module>/).",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
@bp.problems(403, 404)
def archive_download(job_id: int):
    """Download the archive (recorded in the audit log as `tenant.archive_download`)."""
    require(export.ACTION)
    job = archive_job(job_id)
    stored = export.archive_file(caller().tenant, job.id)
    if stored is None:
        raise ApiProblem("not-found", f"The archive of job {job_id} is not ready, or expired.")
    return send_stored(export_store(runtime().settings.instance_path), stored)
