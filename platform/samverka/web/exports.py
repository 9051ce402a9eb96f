"""Downloads: the members list (and, through ``table_download``, a consortium's
organisations) as CSV or Excel and the organisation sheet as PDF, made inline (they are
small); and stored exports made by ``run_export``, e.g. in a job.

A stored export is served only inside the tenant that owns it (the store looks it up by
tenant and token), so another organisation's user gets 404 even with the right link, and
only to users allowed the action its kind registered (what the same data needs on a page).
Every download is ``Cache-Control: private, no-store``: exports may carry a classification.
"""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, g, send_file
from flask_babel import get_locale

from samverka.errors import NotFound
from samverka.exports import FORMATS, builtin, export_store, write
from samverka.exports.service import Format, Source, download_name
from samverka.exports.store import StoredExport, safe_filename
from samverka.exports.tabular import Table
from samverka.runtime import db_session, runtime
from samverka.web.context import require

bp = Blueprint("exports", __name__)
TABLE_FORMATS = ("csv", "xlsx")


@bp.route("/t/<tenant_slug>/exports/members.<fmt>")
def tenant_members(fmt: str):
    require("tenant:members:view")
    return table_download(builtin.tenant_members(db_session(), g.tenant, {}), fmt)


@bp.route("/t/<tenant_slug>/exports/organisation-sheet.pdf")
def organisation_sheet():
    require("tenant:dashboard:view")
    document = builtin.organisation_sheet(db_session(), g.tenant, {})
    return _inline(document, FORMATS["pdf"])


@bp.route("/t/<tenant_slug>/exports/files/<token>")
def download(token: str):
    """A file made by ``run_export`` (e.g. in a job) for this tenant."""
    store = export_store(runtime().settings.instance_path)
    try:
        stored = store.get(g.tenant.id, token)
    except NotFound:
        abort(404)
    require(stored.action)  # what the kind's data needs on its own page
    return send_stored(store, stored)


def send_stored(store, stored: StoredExport) -> Response:
    """Serve a stored file; one that asks for it (a whole-tenant archive) records its
    download in the tenant's audit chain first."""
    if stored.download_event:
        from samverka.audit import record_event

        record_event(
            db_session(),
            stored.download_event,
            tenant_id=stored.tenant_id,
            target_type="export",
            target_id=stored.job_id,
        )
        db_session().commit()
    return _send(store.open(stored), stored)


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
