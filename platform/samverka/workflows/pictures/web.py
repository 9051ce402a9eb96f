"""``/t/<tenant>/pictures``: a situation picture's page (its parts, figures and decisions,
with a decision form), its PDF for the council, and the consortium picture compiled from
the members' shared pictures. Editing the text parts is the records' normal edit page."""

from __future__ import annotations

import io
from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from samverka.errors import Forbidden, NotFound, ValidationError
from samverka.exports import FORMATS, write
from samverka.exports.service import download_name
from samverka.exports.store import safe_filename
from samverka.records import services as records
from samverka.records.disclosure import disclose
from samverka.records.models import Record
from samverka.runtime import db_session
from samverka.tenants.models import Tenant
from samverka.web.context import can, current_user, require
from samverka.web.forms import ActionForm
from samverka.workflows.decisions import decisions_of, record_decision
from samverka.workflows.pictures import figures as breakdowns
from samverka.workflows.pictures import services as pictures
from samverka.workflows.pictures.charts import area_figures, area_map, rendered_charts
from samverka.workflows.rounds import services as rounds

bp = Blueprint("picture_pages", __name__, url_prefix="/t/<tenant_slug>/pictures")
READ = "tenant:records:read"


def _picture(record_id: int) -> Record:
    """The situation picture through the auditing service; any other record type is 404
    (these pages are a picture's, not a second way to show any record)."""
    session = db_session()
    try:
        record = pictures.get_picture(
            session, record_id, user=current_user(), viewer_tenant=g.tenant
        )
    except NotFound:
        session.rollback()  # nothing was shown: no read to record
        abort(404)
    session.commit()  # the read's audit entry
    return record


@bp.route("/<int:record_id>", methods=["GET", "POST"])
def show(record_id: int):
    require(READ)
    session = db_session()
    record = _picture(record_id)
    owner = record.tenant_id == g.tenant.id
    errors: dict[str, str] = {}
    values = {"body": "", "decided_on": rounds.today().isoformat(), "minute_paragraph": ""}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        if not ActionForm().validate_on_submit():
            errors["body"] = _("The form has expired. Send it again.")
        else:
            try:
                record_decision(session, record, user=current_user(), **values)
                session.commit()
                flash(_("The decision is recorded."), "success")
                return redirect(url_for(".show", record_id=record_id))
            except ValidationError as error:
                session.rollback()
                errors[error.field or "body"] = str(error)
            except Forbidden:
                session.rollback()
                errors["body"] = _("Only the organisation that owns the picture may decide it.")
        record = _picture(record_id)
    shown = disclose(session, record, user=current_user(), viewer_tenant=g.tenant)
    parts = [{"label": str(label), "value": value} for label, value in pictures.text_parts(shown)]
    return render_template(
        "pictures_show.html",
        record=record,
        data=shown.data,
        parts=parts,
        charts=rendered_charts(breakdowns.picture_figures(session, g.tenant, record)),
        area_map=area_map(area_figures(session, record)),
        decisions=decisions_of(session, record),
        owner_name=session.get(Tenant, record.tenant_id).name,
        is_owner=owner,
        can_decide=owner and can(records.WRITE),
        errors=errors,
        values=values,
        form=ActionForm(formdata=None),
    ), (422 if errors else 200)


@bp.route("/<int:record_id>/picture.pdf")
def pdf(record_id: int):
    """The PDF for the council: made at once (one page of text renders in about a second)."""
    require(READ)
    session = db_session()
    _picture(record_id)
    document = pictures.picture_document(
        session, g.tenant, {"record_id": record_id, "user_id": current_user().id}
    )
    session.commit()
    buffer = io.BytesIO()
    chosen = FORMATS["pdf"]
    write(document, chosen, buffer, locale=str(get_locale()))
    buffer.seek(0)
    response = send_file(
        buffer,
        mimetype=chosen.media_type,
        as_attachment=True,
        download_name=safe_filename(download_name(document.title, chosen)),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/consortium", methods=["GET", "POST"])
def consortium():
    """Compile a consortium picture (the tenant's consortium, the period given)."""
    require(rounds.MANAGE)
    session = db_session()
    groups = list(g.tenant.consortia)
    today = rounds.today()
    first = today.replace(day=1)
    values = {
        "period_start": date(
            first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1
        ).isoformat(),
        "period_end": today.isoformat(),
        "consortium": str(groups[0].id) if groups else "",
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        chosen = next((c for c in groups if str(c.id) == values["consortium"]), None)
        if not ActionForm().validate_on_submit():
            errors["period_start"] = _("The form has expired. Send it again.")
        elif chosen is None:
            errors["consortium"] = _("Choose a consortium your organisation belongs to.")
        else:
            try:
                record = pictures.compile_consortium_picture(
                    session,
                    g.tenant,
                    chosen,
                    period_start=values["period_start"],
                    period_end=values["period_end"],
                    user=current_user(),
                )
                session.commit()
                return redirect(url_for(".show", record_id=record.id))
            except ValidationError as error:
                session.rollback()
                errors[error.field or "period_start"] = str(error)
    return render_template(
        "pictures_consortium.html",
        groups=groups,
        values=values,
        errors=errors,
        form=ActionForm(formdata=None),
    ), (422 if errors else 200)
