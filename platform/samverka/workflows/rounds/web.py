"""``/t/<tenant>/rounds``: reporting rounds for the coordinator (open, status, compile,
close) and the report form for units (the municipality's own and invited partners, who
fill theirs from their own tenant). Every write goes through
:mod:`samverka.workflows.rounds.services`; a ValidationError is shown on the form (with an error
summary) and nothing is stored.

The monthly routine is short on purpose: index → "Open a round" → submit → (units report)
→ "Compile the situation picture" → the job page links to the picture → "PDF".
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from samverka.areas import services as areas
from samverka.errors import Conflict, ValidationError
from samverka.runtime import db_session
from samverka.tenants.models import Tenant
from samverka.web.context import can, current_user, require
from samverka.web.forms import ActionForm
from samverka.web.jobs import status_of, tenant_job
from samverka.workflows.pictures import services as pictures
from samverka.workflows.rounds import services as rounds

bp = Blueprint("round_pages", __name__, url_prefix="/t/<tenant_slug>/rounds")
VIEW, MANAGE, REPORT = "tenant:rounds:view", rounds.MANAGE, rounds.REPORT


def _form() -> ActionForm:
    return ActionForm()


def _csrf_ok() -> bool:
    form = _form()
    return form.validate_on_submit()


@bp.route("/")
def index():
    require(VIEW)
    session = db_session()
    own = rounds.rounds_of(session, g.tenant)
    invited = [
        (r, u) for r, u in rounds.invitations_for(session, g.tenant) if r.tenant_id != g.tenant.id
    ]
    owners = {
        t.id: t.name
        for t in session.query(Tenant).filter(Tenant.id.in_({r.tenant_id for r, _u in invited}))
    }
    return render_template(
        "rounds_index.html",
        items=[{"round": r, "status": rounds.round_status(session, r)} for r in own],
        invited=[{"round": r, "unit": u, "owner": owners.get(r.tenant_id, "")} for r, u in invited],
        can_manage=can(MANAGE),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(MANAGE)
    session, user = db_session(), current_user()
    units = rounds.ensure_default_units(session, g.tenant, user=user)
    session.commit()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "period_start": rounds.today().replace(day=1).isoformat(),
        "cadence": "monthly",
        "deadline": "",
        "units": [str(u.id) for u in units],
    }
    if request.method == "POST":
        values = {
            "period_start": request.form.get("period_start", ""),
            "cadence": request.form.get("cadence", "monthly"),
            "deadline": request.form.get("deadline", ""),
            "units": request.form.getlist("units"),
        }
        if not _csrf_ok():
            errors["period_start"] = _("The form has expired. Send it again.")
        else:
            try:
                round_ = rounds.open_round(
                    session,
                    g.tenant,
                    unit_ids=values["units"],
                    period_start=values["period_start"],
                    cadence=values["cadence"],
                    deadline=values["deadline"] or None,
                    user=user,
                )
                session.commit()
                flash(_("The round is open."), "success")
                return redirect(url_for(".status", round_id=round_.id))
            except ValidationError as error:
                session.rollback()
                errors[error.field or "period_start"] = str(error)
    return render_template(
        "rounds_new.html",
        units=units,
        values=values,
        errors=errors,
        cadences=rounds.CADENCES,
        form=_form(),
    ), (422 if errors else 200)


@bp.route("/<int:round_id>")
def status(round_id: int):
    require(VIEW)
    session = db_session()
    round_ = rounds.get_round(session, round_id)
    rows = rounds.round_status(session, round_)
    is_owner = round_.tenant_id == g.tenant.id
    job, job_state = _compile_job(request.args.get("job", type=int)) if is_owner else (None, None)
    return render_template(
        "rounds_status.html",
        job=job,
        job_state=job_state,
        picture_id=round_.picture_record_id if is_owner else None,
        round=round_,
        rows=rows,
        is_owner=is_owner,
        can_manage=is_owner and can(MANAGE),
        can_report=can(REPORT),
        reported=sum(1 for r in rows if r.reported),
        late=sum(1 for r in rows if r.late),
        form=_form(),
        today=rounds.today(),
        unmapped=rounds.unmapped_areas(r.report for r in rows if r.report) if is_owner else [],
        can_map=is_owner and can("tenant:areas:manage"),
    )


@bp.route("/<int:round_id>/compile", methods=["POST"])
def compile_picture(round_id: int):
    require(MANAGE)
    session = db_session()
    round_ = rounds.get_round(session, round_id)
    if not _csrf_ok():
        return redirect(url_for(".status", round_id=round_id))
    job = pictures.request_compile(session, round_, user=current_user())
    session.commit()
    return redirect(url_for(".status", round_id=round_id, job=job.id))


def _compile_job(job_id: int | None):
    """The compile job the page follows (its progress bar), if any."""
    if not job_id:
        return None, None
    from werkzeug.exceptions import HTTPException

    try:
        job = tenant_job(job_id)
    except HTTPException:  # a stale or foreign job id: show no progress
        return None, None
    if job.job != pictures.JOB:
        return None, None
    return job, status_of(job, None)


@bp.route("/<int:round_id>/close", methods=["POST"])
def close(round_id: int):
    require(MANAGE)
    session = db_session()
    round_ = rounds.get_round(session, round_id)
    if _csrf_ok():
        rounds.close_round(session, round_, user=current_user())
        session.commit()
        flash(_("The round is closed. Reports are no longer accepted."), "success")
    return redirect(url_for(".status", round_id=round_id))


@bp.route("/<int:round_id>/units/<int:unit_id>", methods=["GET", "POST"])
def report(round_id: int, unit_id: int):
    require(REPORT)
    session, user = db_session(), current_user()
    round_ = rounds.get_round(session, round_id)
    unit = rounds.get_round_unit(session, round_, unit_id)
    existing = rounds.report_of(session, unit)
    errors: dict[str, str] = {}
    lines = _lines_of(existing) if existing else {}
    values = {
        "observations": existing.observations if existing else "",
        "sources": existing.sources if existing else "",
    }
    status_code = 200
    if request.method == "POST":
        lines = _posted_lines(round_)
        values = {k: request.form.get(k, "") for k in ("observations", "sources")}
        if not _csrf_ok():
            errors["observations"] = _("The form has expired. Send it again.")
        else:
            try:
                rounds.submit_report(
                    session,
                    unit,
                    lines=[dict(line, category=key) for key, line in lines.items()],
                    observations=values["observations"],
                    sources=values["sources"],
                    user=user,
                )
                session.commit()
                flash(_("Thank you, the report is saved."), "success")
                return redirect(url_for(".status", round_id=round_id))
            except Conflict as error:
                session.rollback()
                errors["observations"] = str(error)
                status_code = 409
            except ValidationError as error:
                session.rollback()
                errors[_field_id(error.field, round_)] = str(error)
        status_code = status_code if status_code != 200 else 422
    return render_template(
        "rounds_report.html",
        round=round_,
        unit=unit,
        lines=lines,
        values=values,
        errors=errors,
        weekdays=rounds.WEEKDAYS,
        times=rounds.TIMES_OF_DAY,
        trends=rounds.TRENDS,
        form=_form(),
        closed=round_.status == "closed",
        area_names=[a.name for a in areas.live_areas_of(session, round_.tenant_id)],
    ), status_code


def _lines_of(report) -> dict[str, dict]:
    return {line["category"]: line for line in report.lines or []}


def _posted_lines(round_) -> dict[str, dict]:
    out = {}
    for key, _label in round_.categories:
        line = {
            name: request.form.get(f"{key}-{name}", "").strip()
            for name in ("count", "area", "weekday", "time_of_day", "trend")
        }
        if any(line.values()):
            out[key] = line
    return out


def _field_id(field: str | None, round_) -> str:
    """``lines.3.count`` → the input's id ``<category>-count`` (the order of posted lines)."""
    if not field or not field.startswith("lines."):
        return field or "observations"
    parts = field.split(".")
    posted = list(_posted_lines(round_))
    try:
        key = posted[int(parts[1])]
    except (ValueError, IndexError):
        return "observations"
    return f"{key}-{parts[2] if len(parts) > 2 else 'count'}"


@bp.route("/units", methods=["GET", "POST"])
def units():
    """The municipality's reporting units and its own event categories; a unit may be a
    partner organisation of the consortium (a police area, a housing company) that then
    reports from its own account."""
    require(MANAGE)
    session, user = db_session(), current_user()
    partners = _partner_choices()
    errors: dict[str, str] = {}
    values = {"name": "", "kind": "other", "partner": "", "email": "", "label": ""}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        if not _csrf_ok():
            errors["name"] = _("The form has expired. Send it again.")
        else:
            try:
                if request.form.get("what") == "category":
                    rounds.add_category(session, g.tenant, label=values["label"], user=user)
                else:
                    partner = partners.get(values["partner"])
                    rounds.add_unit(
                        session,
                        g.tenant,
                        name=values["name"],
                        kind=values["kind"],
                        partner=partner,
                        email=values["email"],
                        user=user,
                    )
                session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for(".units"))
            except ValidationError as error:
                session.rollback()
                errors[error.field or "name"] = str(error)
    return render_template(
        "rounds_units.html",
        units=rounds.units_of(session, g.tenant),
        categories=rounds.categories_of(session, g.tenant),
        kinds=rounds.UNIT_KINDS,
        partners=partners,
        names={t.id: t.name for t in partners.values()},
        values=values,
        errors=errors,
        form=_form(),
    ), (422 if errors else 200)


def _partner_choices() -> dict[str, Tenant]:
    """Other organisations of the tenant's consortia, by id (as text)."""
    found: dict[str, Tenant] = {}
    for group in g.tenant.consortia:
        for member in group.tenants:
            if member.id != g.tenant.id:
                found[str(member.id)] = member
    return dict(sorted(found.items(), key=lambda kv: kv[1].name))
