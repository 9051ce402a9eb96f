"""*Exportera all data*: a tenant administrator asks for the whole-tenant archive.

The button (POST, CSRF) queues ``core.tenant_archive`` through the outbox and records
``tenant.archive_request``; the job's page shows the progress bar of ``_jobs.html``, updated
in place by ``static/jobs.js`` from ``<id>.json``, which also carries the download address
once the file is there (the script then reveals the link). The download goes through the
export store's route (only in this tenant, only with ``tenant:archive:export``), which
records ``tenant.archive_download``.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from samverka.jobs.models import OutboxJob
from samverka.lifecycle import export
from samverka.runtime import db_session
from samverka.web.context import require
from samverka.web.forms import BaseForm, GovSubmitInput
from samverka.web.jobs import status_of

bp = Blueprint("archive", __name__, url_prefix="/t/<tenant_slug>/admin/archive")


class ArchiveForm(BaseForm):
    submit = SubmitField(_l("Export all data"), widget=GovSubmitInput())


def download_url(job: OutboxJob) -> str | None:
    stored = export.archive_file(g.tenant, job.id)
    return url_for("exports.download", token=stored.token) if stored else None


def state_of(job: OutboxJob) -> dict:
    return {**status_of(job), "download_url": download_url(job)}


def tenant_archive_job(job_id: int) -> OutboxJob:
    found = export.archive_job(db_session(), g.tenant, job_id)
    if found is None:
        abort(404)
    return found


@bp.route("/", methods=["GET", "POST"])
def index():
    require(export.ACTION)
    form = ArchiveForm()
    if form.validate_on_submit():
        job = export.request_archive(db_session(), g.tenant)
        db_session().commit()
        return redirect(url_for(".show", job_id=job.id))
    jobs = export.archive_jobs(db_session(), g.tenant)
    return render_template("archive.html", form=form, jobs=[(job, state_of(job)) for job in jobs])


@bp.route("/<int:job_id>")
def show(job_id: int):
    require(export.ACTION)
    job = tenant_archive_job(job_id)
    return render_template("archive_job.html", job=job, state=state_of(job))


@bp.route("/<int:job_id>.json")
def show_json(job_id: int):
    require(export.ACTION)
    response = jsonify(state_of(tenant_archive_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response
