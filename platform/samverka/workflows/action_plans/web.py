"""``/t/<tenant>/action-plans``: action plans in Brå's columns (cause → measure → goal → when
→ who → follow-up), their causes, measures, follow-ups and decision.

Every page loads the plan through ``records.services.get_record`` (reads of confidential
plans are audited; the read's entry is committed at once). Only the owner writes; the
services decide, validate and audit, and a refused change stores nothing (one transaction,
rolled back) while the form shows the message in Swedish.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField

from samverka.errors import ValidationError
from samverka.records import services
from samverka.records.disclosure import disclose
from samverka.records.models import Record
from samverka.records.types import RecordValidationError
from samverka.runtime import db_session
from samverka.web.context import can, current_user, require
from samverka.web.forms import (
    BaseForm,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
    attach_error,
)
from samverka.web.names import tenant_names
from samverka.web.records_forms import GovRadios
from samverka.workflows.action_plans import services as plans
from samverka.workflows.cycle_types import ACTION_PLAN_TYPE, SITUATION_PICTURE_TYPE, problems_of
from samverka.workflows.decisions import latest_decision, record_decision

bp = Blueprint("plan_pages", __name__, url_prefix="/t/<tenant_slug>/action-plans")
READ = "tenant:records:read"
WRITE = plans.WRITE
DATE_HINT = _l("For example 2026-09-30.")
STATUS_LABELS = {"green": _l("Green"), "yellow": _l("Yellow"), "red": _l("Red")}
EFFORT_LABELS = {"one_off": _l("One-off effort"), "ordinary": _l("Part of ordinary work")}


# -- forms -----------------------------------------------------------------------------------


def _optional(label: Any) -> Any:
    return _l("%(label)s (optional)", label=label)


class PlanForm(BaseForm):
    title = StringField(_l("Title"), widget=GovTextInput())
    valid_from = StringField(_l("Valid from"), widget=GovTextInput(), description=DATE_HINT)
    valid_to = StringField(_optional(_l("Valid to")), widget=GovTextInput(), description=DATE_HINT)
    summary = TextAreaField(_optional(_l("Summary")), widget=GovTextArea())
    submit = SubmitField(_l("Create the action plan"), widget=GovSubmitInput())


class CauseForm(BaseForm):
    description = TextAreaField(_l("Cause"), widget=GovTextArea())
    problem = SelectField(
        _l("Problem in a situation picture"),
        widget=GovSelect(),
        choices=[],
        validate_choice=False,
        description=_l("The problem the cause explains. Every cause should rest on the picture."),
    )
    submit = SubmitField(_l("Add the cause"), widget=GovSubmitInput())


class MeasureForm(BaseForm):
    cause = SelectField(_l("Cause"), widget=GovSelect(), choices=[], validate_choice=False)
    title = StringField(_l("Measure"), widget=GovTextInput())
    operational_goal = TextAreaField(_optional(_l("Operational goal")), widget=GovTextArea())
    start_on = StringField(_optional(_l("Start")), widget=GovTextInput(), description=DATE_HINT)
    due_on = StringField(_optional(_l("Due")), widget=GovTextInput(), description=DATE_HINT)
    period = StringField(
        _optional(_l("Period")),
        widget=GovTextInput(),
        description=_l("Instead of dates, e.g. “every autumn term”."),
    )
    responsible_tenant = SelectField(
        _optional(_l("Responsible organisation")),
        widget=GovSelect(),
        choices=[],
        validate_choice=False,
    )
    responsible_name = StringField(
        _optional(_l("Responsible person or unit")), widget=GovTextInput()
    )
    effort = RadioField(
        _l("Kind of effort"),
        widget=GovRadios(),
        choices=lambda: [(k, str(v)) for k, v in EFFORT_LABELS.items()],
        validate_choice=False,
        default="ordinary",
    )
    resources = TextAreaField(_optional(_l("Resources")), widget=GovTextArea())
    hours = StringField(_optional(_l("Hours")), widget=GovTextInput())
    submit = SubmitField(_l("Save the measure"), widget=GovSubmitInput())


class FollowUpForm(BaseForm):
    status = RadioField(
        _l("Status"),
        widget=GovRadios(),
        choices=lambda: [(k, str(v)) for k, v in STATUS_LABELS.items()],
        validate_choice=False,
    )
    comment = TextAreaField(_optional(_l("Comment")), widget=GovTextArea())
    followed_up_on = StringField(
        _optional(_l("Date of the follow-up")),
        widget=GovTextInput(),
        description=_l("Today if left empty."),
    )
    submit = SubmitField(_l("Record the follow-up"), widget=GovSubmitInput())


class DecideForm(BaseForm):
    body = StringField(
        _l("Decided by"), widget=GovTextInput(), description=_l("E.g. Kommunstyrelsen.")
    )
    decided_on = StringField(
        _l("Date of the decision"), widget=GovTextInput(), description=DATE_HINT
    )
    minute_paragraph = StringField(_optional(_l("Minute paragraph")), widget=GovTextInput())
    submit = SubmitField(_l("Record the decision"), widget=GovSubmitInput())


# -- helpers ---------------------------------------------------------------------------------


def _load(plan_id: int) -> Record:
    """The plan through the auditing service (404 for another type)."""
    session = db_session()
    record = services.get_record(session, plan_id, user=current_user(), viewer_tenant=g.tenant)
    session.commit()
    if record.type_name != ACTION_PLAN_TYPE:
        abort(404)
    return record


def _owned(record: Record) -> None:
    require(WRITE)
    if record.tenant_id != g.tenant.id:
        abort(403)


def _show_error(form: BaseForm, error: ValidationError, aliases: dict[str, str]) -> None:
    db_session().rollback()
    if error.field in aliases:
        error.field = aliases[error.field]
    attach_error(form, error)


def _form_page(form: BaseForm, record: Record, *, title: str, status: int, **extra: Any):
    return (
        render_template(
            "plans_form.html",
            form=form,
            record=record,
            title=title,
            back_url=url_for(".detail", plan_id=record.id),
            **extra,
        ),
        status,
    )


def partner_choices() -> list[tuple[str, str]]:
    """The own organisation and the partners of its consortia (any may lead a measure)."""
    tenants = {g.tenant.id: g.tenant}
    for consortium in g.tenant.consortia:
        for member in consortium.tenants:
            tenants.setdefault(member.id, member)
    return [("", _("Choose"))] + [
        (str(t.id), t.name) for t in sorted(tenants.values(), key=lambda t: t.name)
    ]


# -- pages -----------------------------------------------------------------------------------


@bp.route("/")
def index():
    require(READ)
    session = db_session()
    rows = plans.visible_plans(session, viewer_tenant=g.tenant, user=current_user(), via="web")
    session.commit()  # the list's audit entries
    flagged = plans.flagged_counts(session, rows)
    owners = tenant_names({r.tenant_id for r in rows})
    return render_template(
        "plans_index.html",
        plans=rows,
        fields={
            r.id: disclose(session, r, user=current_user(), viewer_tenant=g.tenant).data
            for r in rows
        },
        flagged=flagged,
        owners=owners,
        can_write=can(WRITE),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(WRITE)
    form = PlanForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            session = db_session()
            try:
                record = services.create_record(
                    session,
                    record_type=ACTION_PLAN_TYPE,
                    title=form.title.data,
                    data={
                        "title": form.title.data,
                        "valid_from": form.valid_from.data,
                        "valid_to": form.valid_to.data,
                        "summary": form.summary.data,
                    },
                    user=current_user(),
                )
            except RecordValidationError as error:
                db_session().rollback()
                _field_errors(form, error)
            except ValidationError as error:
                _show_error(form, error, {})
            else:
                session.commit()
                return redirect(url_for(".detail", plan_id=record.id))
    return (
        render_template(
            "plans_form.html",
            form=form,
            record=None,
            title=_("New action plan"),
            back_url=url_for(".index"),
        ),
        status,
    )


def _field_errors(form: BaseForm, error: ValidationError) -> None:
    """A record validation error names several fields (``errors``: name → message)."""
    for name, message in error.errors.items():
        field = getattr(form, name, None) or form.form_errors_field()
        if field is not None and str(message) not in field.errors:
            field.errors = [*list(field.errors or []), str(message)]


@bp.route("/<int:plan_id>")
def detail(plan_id: int):
    record = _load(plan_id)
    session = db_session()
    causes = plans.plan_view(session, record, g.tenant)
    responsible = tenant_names(
        {m.measure.responsible_tenant_id for c in causes for m in c.measures} | {record.tenant_id}
    )
    return render_template(
        "plans_detail.html",
        record=record,
        data=disclose(session, record, user=current_user(), viewer_tenant=g.tenant).data,
        causes=causes,
        flagged=[c for c in causes if c.flagged],
        decision=latest_decision(session, record),
        names=responsible,
        is_owner=record.tenant_id == g.tenant.id,
        can_write=record.tenant_id == g.tenant.id and can(WRITE),
        status_labels=STATUS_LABELS,
        effort_labels=EFFORT_LABELS,
    )


@bp.route("/<int:plan_id>/causes/new", methods=["GET", "POST"])
def new_cause(plan_id: int):
    record = _load(plan_id)
    _owned(record)
    session = db_session()
    form = CauseForm()
    form.problem.choices = [("", _("No picture")), *_problem_choices(session)]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            picture_id, number = _split_problem(form.problem.data)
            try:
                plans.add_cause(
                    session,
                    record,
                    description=form.description.data,
                    picture_id=picture_id,
                    problem_number=number,
                    user=current_user(),
                )
            except ValidationError as error:
                _show_error(form, error, {"picture": "problem", "problem_number": "problem"})
            else:
                session.commit()
                return redirect(url_for(".detail", plan_id=record.id, _anchor="causes"))
    return _form_page(form, record, title=_("Add a cause"), status=status)


def _problem_choices(session) -> list[tuple[str, str]]:
    """Every problem of every situation picture readable here, as ``picture:number``."""
    pictures = session.scalars(
        select(Record)
        .where(Record.type_name == SITUATION_PICTURE_TYPE, Record.deleted_at.is_(None))
        .order_by(Record.updated_at.desc())
    ).all()
    return [
        (f"{p.id}:{n}", f"{p.title} – {n}. {text}")
        for p in pictures
        for n, text in enumerate(
            problems_of(disclose(session, p, user=current_user(), viewer_tenant=g.tenant).data),
            start=1,
        )
    ]


def _split_problem(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    picture, _sep, number = value.partition(":")
    return picture, number or None


@bp.route("/<int:plan_id>/measures/new", methods=["GET", "POST"])
def new_measure(plan_id: int):
    return _measure_page(plan_id, None)


@bp.route("/<int:plan_id>/measures/edit", methods=["GET", "POST"])
def edit_measure(plan_id: int):
    """The measure's id is in the query (``?measure=``): one record id per address."""
    return _measure_page(plan_id, request.args.get("measure"))


def _measure_page(plan_id: int, measure_id: str | None):
    record = _load(plan_id)
    _owned(record)
    session = db_session()
    measure = plans.get_measure(session, record, measure_id) if measure_id else None
    form = MeasureForm(obj=None)
    form.cause.choices = [("", _("Choose"))] + [
        (str(c.id), f"{c.number}. {c.description[:80]}") for c in plans.causes_of(session, record)
    ]
    form.responsible_tenant.choices = partner_choices()
    if request.method == "GET":
        _fill_measure(form, measure)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            values = {
                name: getattr(form, name).data
                for name in (
                    "title",
                    "operational_goal",
                    "start_on",
                    "due_on",
                    "period",
                    "responsible_tenant",
                    "responsible_name",
                    "effort",
                    "resources",
                    "hours",
                )
            }
            try:
                if measure is None:
                    plans.add_measure(
                        session, record, cause_id=form.cause.data, user=current_user(), **values
                    )
                else:
                    plans.update_measure(
                        session,
                        record,
                        measure,
                        cause_id=form.cause.data,
                        user=current_user(),
                        **values,
                    )
            except ValidationError as error:
                _show_error(form, error, {})
            else:
                session.commit()
                return redirect(url_for(".detail", plan_id=record.id, _anchor="causes"))
    title = _("Edit the measure") if measure else _("Add a measure")
    return _form_page(form, record, title=title, status=status)


def _fill_measure(form: MeasureForm, measure: plans.PlanMeasure | None) -> None:
    if measure is None:
        form.cause.data = request.args.get("cause", "")
        return
    form.cause.data = str(measure.cause_id)
    form.title.data = measure.title
    form.operational_goal.data = measure.operational_goal
    form.start_on.data = measure.start_on.isoformat() if measure.start_on else ""
    form.due_on.data = measure.due_on.isoformat() if measure.due_on else ""
    form.period.data = measure.period
    form.responsible_tenant.data = str(measure.responsible_tenant_id or "")
    form.responsible_name.data = measure.responsible_name
    form.effort.data = measure.effort
    form.resources.data = measure.resources
    form.hours.data = str(measure.hours) if measure.hours is not None else ""


@bp.route("/<int:plan_id>/follow-up", methods=["GET", "POST"])
def follow_up(plan_id: int):
    """Follow up one measure (``?measure=``)."""
    record = _load(plan_id)
    _owned(record)
    session = db_session()
    measure = plans.get_measure(session, record, request.args.get("measure"))
    form = FollowUpForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                plans.follow_up(
                    session,
                    record,
                    measure,
                    status=form.status.data,
                    comment=form.comment.data,
                    followed_up_on=form.followed_up_on.data,
                    user=current_user(),
                )
            except ValidationError as error:
                _show_error(form, error, {})
            else:
                session.commit()
                return redirect(
                    url_for(".detail", plan_id=record.id, _anchor=f"measure-{measure.id}")
                )
    return _form_page(
        form, record, title=_("Follow up: %(title)s", title=measure.title), status=status
    )


@bp.route("/<int:plan_id>/decide", methods=["GET", "POST"])
def decide(plan_id: int):
    record = _load(plan_id)
    _owned(record)
    session = db_session()
    form = DecideForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                record_decision(
                    session,
                    record,
                    body=form.body.data,
                    decided_on=form.decided_on.data,
                    minute_paragraph=form.minute_paragraph.data,
                    user=current_user(),
                )
            except ValidationError as error:
                _show_error(form, error, {})
            else:
                session.commit()
                return redirect(url_for(".detail", plan_id=record.id))
    return _form_page(form, record, title=_("Record the decision on the plan"), status=status)
