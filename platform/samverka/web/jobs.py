"""Background jobs on the web: a job's progress, failed jobs and their retry.

``/t/<tenant>/jobs/<id>`` shows a job's progress bar (macro ``job_progress`` in
``_jobs.html``); ``static/jobs.js`` polls ``/t/<tenant>/jobs/<id>.json`` and updates it in
place, without a reload; without JavaScript the page offers a link that reloads it.
``/t/<tenant>/jobs/`` lists the tenant's failed jobs for its administrators (retry: one more
attempt through the outbox); ``/admin/jobs/`` lists every tenant's for platform
administrators, with the session explicitly scoped to every tenant.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SubmitField

from samverka.db import set_scope
from samverka.errors import ValidationError
from samverka.exports.jobs import export_of
from samverka.jobs import outbox
from samverka.jobs.models import DONE, FAILED, OutboxJob
from samverka.runtime import db_session
from samverka.tenants.models import Tenant
from samverka.web.context import can, require
from samverka.web.exports import may_download
from samverka.web.forms import ActionForm, BaseForm, GovSubmitInput

bp = Blueprint("jobs", __name__, url_prefix="/t/<tenant_slug>/jobs")
platform_bp = Blueprint("platform_jobs", __name__, url_prefix="/admin/jobs")
VIEW, MANAGE = "tenant:jobs:view", "tenant:jobs:manage"
LISTED = 100


class CountForm(BaseForm):
    submit = SubmitField(_l("Start a test job"), widget=GovSubmitInput())


def tenant_job(job_id: int) -> OutboxJob:
    """The tenant's job, or 404 (explicit filter beside RLS: platform rows are not its)."""
    found = db_session().scalar(
        select(OutboxJob).where(OutboxJob.id == job_id, OutboxJob.tenant_id == g.tenant.id)
    )
    if found is None:
        abort(404)
    return found


def status_of(job: OutboxJob, download_url: str | None = None) -> dict:
    """What the page and its script show; ``text`` is ready for the live region;
    ``download_url``: the finished export's file, for the user who may download it."""
    done, total = job.progress_done or 0, job.progress_total or 0
    percent = min(100, round(100 * done / total)) if total else (100 if job.status == DONE else 0)
    return {
        "id": job.id,
        "status": job.status,
        "finished": job.status in (DONE, FAILED),
        "done": done,
        "total": total,
        "percent": percent,
        "text": status_text(job, done, total, percent),
        "download_url": download_url,
    }


def export_download_url(job: OutboxJob) -> str | None:
    """The download of a finished export job's file, if the current user may have it (the
    one who asked, still allowed the kind's action); the download checks the same again."""
    stored = export_of(job)
    if stored is None or not may_download(stored) or not can(stored.action):
        return None
    return url_for("exports.download", token=stored.token)


def status_text(job: OutboxJob, done: int, total: int, percent: int) -> str:
    if job.status == DONE:
        return _("Finished.")
    if job.status == FAILED:
        return _("The job failed.")
    if not total:
        return _("Waiting to start…")
    step = _(job.progress_message) if job.progress_message else _("Working")
    return _(
        "%(step)s: %(done)d of %(total)d (%(percent)d %%)",
        step=step,
        done=done,
        total=total,
        percent=percent,
    )


@bp.route("/<int:job_id>")
def show(job_id: int):
    require(VIEW)
    job = tenant_job(job_id)
    return render_template("job.html", job=job, state=status_of(job, export_download_url(job)))


@bp.route("/<int:job_id>.json")
def show_json(job_id: int):
    require(VIEW)
    job = tenant_job(job_id)
    response = jsonify(status_of(job, export_download_url(job)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/")
def index():
    require(MANAGE)
    failed = db_session().scalars(
        select(OutboxJob)
        .where(OutboxJob.tenant_id == g.tenant.id, OutboxJob.status == FAILED)
        .order_by(OutboxJob.id.desc())
        .limit(LISTED)
    )
    return render_template(
        "jobs_failed.html",
        jobs=[(job, None) for job in failed],
        retry_endpoint="jobs.retry",
        title=_("Background jobs"),
        action_form=ActionForm(),
        count_form=CountForm(),
    )


@bp.route("/count", methods=["POST"])
def start_count():
    """A demo job that counts to 20 and reports its progress (see core_jobs.count_to)."""
    require(MANAGE)
    if not CountForm().validate_on_submit():
        abort(400)
    job = outbox.enqueue(db_session(), "core.count_to", tenant_id=g.tenant.id, n=20)
    db_session().commit()
    return redirect(url_for(".show", job_id=job.id))


@bp.route("/<int:job_id>/retry", methods=["POST"])
def retry(job_id: int):
    require(MANAGE)
    return _retry(tenant_job(job_id), url_for(".index"))


def _retry(job: OutboxJob, back: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        outbox.retry(db_session(), job)
    except ValidationError as error:
        db_session().rollback()
        flash(str(error), "error")
    else:
        db_session().commit()
        flash(_("The job will be tried again."), "success")
    return redirect(back)


# --- platform administrators: every tenant --------------------------------------------------


def platform_session():
    """The platform acting across tenants: an explicit all-tenants scope (see outbox)."""
    session = db_session()
    set_scope(session, outbox.platform_scope(session))
    return session


@platform_bp.route("/")
def platform_index():
    require("platform:jobs:manage")
    session = platform_session()
    rows = session.execute(
        select(OutboxJob, Tenant.name)
        .outerjoin(Tenant, Tenant.id == OutboxJob.tenant_id)
        .where(OutboxJob.status == FAILED)
        .order_by(OutboxJob.id.desc())
        .limit(LISTED)
    ).all()
    return render_template(
        "jobs_failed.html",
        jobs=[(job, name or _("Platform")) for job, name in rows],
        retry_endpoint="platform_jobs.retry",
        title=_("Failed background jobs, all organisations"),
        action_form=ActionForm(),
        count_form=None,
    )


@platform_bp.route("/<int:job_id>/retry", methods=["POST"], endpoint="retry")
def platform_retry(job_id: int):
    require("platform:jobs:manage")
    job = platform_session().get(OutboxJob, job_id)
    if job is None:
        abort(404)
    return _retry(job, url_for(".platform_index"))
