"""Downloads: small lists made inline, everything else through the export job.

Lists of up to :data:`INLINE_ROWS` rows (the members, a consortium's organisations) are
written inline as CSV or Excel: that takes milliseconds, a job would only add a wait. PDFs
(WeasyPrint needs a second or more) and longer lists are made by the job ``core.export``:
"Skapa export" POSTs to :func:`create`, which queues the job and redirects to the job's page,
whose progress bar updates without a reload and which shows the download link when done.

A stored export is served only inside the tenant that owns it (the store looks it up by
tenant and token), so another organisation's user gets 404 even with the right link, and
only to users allowed the action its kind registered (what the same data needs on a page).
Every download is ``Cache-Control: private, no-store``: exports may carry a classification.
"""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, g, redirect, request, send_file, url_for
from flask_babel import get_locale

from samverka.audit import record_event
from samverka.errors import NotFound, ValidationError
from samverka.exports import FORMATS, builtin, export_store, request_export, write
from samverka.exports.service import Format, Source, download_name, export_kind
from samverka.exports.store import StoredExport, safe_filename
from samverka.exports.tabular import Table
from samverka.runtime import db_session, runtime
from samverka.web.context import current_user, require
from samverka.web.forms import ActionForm

bp = Blueprint("exports", __name__)
TABLE_FORMATS = ("csv", "xlsx")
INLINE_ROWS = 1000  # longer lists go through the export job


@bp.route("/t/<tenant_slug>/exports/members.<fmt>")
def tenant_members(fmt: str):
    require("tenant:members:view")
    return table_download(builtin.tenant_members(db_session(), g.tenant, {}), fmt)


@bp.route("/t/<tenant_slug>/exports/", methods=["POST"])
def create():
    """ "Skapa export": queue ``core.export`` for the form's kind and format, then follow the
    job on its page. Needs the kind's own action (what its data needs on a page)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    kind, fmt = request.form.get("kind", ""), request.form.get("format", "")
    try:
        require(export_kind(kind).action)
        job = request_export(
            db_session(), g.tenant, kind, fmt, requested_by=g.user.id, locale=str(get_locale())
        )
    except (NotFound, ValidationError):
        db_session().rollback()
        abort(404)  # only the pages' own buttons post here
    db_session().commit()
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/t/<tenant_slug>/exports/files/<token>")
def download(token: str):
    """A file made by ``run_export`` (e.g. in a job) for this tenant."""
    store = export_store(runtime().settings.instance_path)
    try:
        stored = store.get(g.tenant.id, token)
    except NotFound:
        abort(404)
    require(stored.action)  # what the kind's data needs on its own page
    if not may_download(stored):
        abort(404)  # another user's export: as if it did not exist
    return send_stored(store, stored)


def send_stored(store, stored: StoredExport) -> Response:
    """Serve a stored file; one that asks for it (a whole-tenant archive) records its
    download in the tenant's audit chain first."""
    if stored.download_event:
        record_event(
            db_session(),
            stored.download_event,
            tenant_id=stored.tenant_id,
            target_type="export",
            target_id=stored.job_id,
        )
        db_session().commit()
    return _send(store.open(stored), stored)


def may_download(stored: StoredExport) -> bool:
    user = current_user()
    return user is not None and stored.may_download(user.id)


def inline_allowed(rows: int) -> bool:
    """Whether a list this long is offered inline (else through the export job)."""
    return rows <= INLINE_ROWS


def table_download(table: Table, fmt: str) -> Response:
    """``table`` as a CSV or XLSX attachment (404 for any other format)."""
    return _inline(table, _table_format(fmt))


def _table_format(fmt: str) -> Format:
    if fmt not in TABLE_FORMATS:
        abort(404)
    return FORMATS[fmt]


def _inline(source: Source, chosen: Format) -> Response:
    buffer = io.BytesIO()
    write(source, chosen, buffer, locale=str(get_locale()))
    buffer.seek(0)
    return _send_named(buffer, download_name(source.title, chosen), chosen.media_type)


def _send(file, stored: StoredExport) -> Response:
    return _send_named(file, stored.filename, stored.media_type)


def _send_named(file, filename: str, media_type: str) -> Response:
    response = send_file(
        file,
        mimetype=media_type,
        as_attachment=True,
        download_name=safe_filename(filename),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
