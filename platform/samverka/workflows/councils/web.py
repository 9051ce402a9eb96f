"""``/t/<tenant>/councils``: councils and working groups, their members, meetings,
decisions and assignments; "my assignments"; and ``/t/<tenant>/calendar``: the annual
calendar (årshjul) as a page and as an iCalendar download.

A body is a record: pages load it through ``records.services.get_record`` (audited reads).
A meeting's page is addressed by the meeting's id alone (``/councils/meetings/<id>``) and
loads its body the same way. Only the owning organisation writes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField, StringField, SubmitField, TextAreaField

from samverka.api.params import MAX_YEAR, MIN_YEAR
from samverka.errors import NotFound, ValidationError
from samverka.records import services
from samverka.records.disclosure import disclose
from samverka.records.models import Record
from samverka.records.types import RecordValidationError
from samverka.runtime import db_session, runtime
from samverka.web.context import can, current_user, require
from samverka.web.forms import (
    BaseForm,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
    attach_error,
)
from samverka.web.names import tenant_names, user_names
from samverka.workflows import calendar
from samverka.workflows.action_plans.services import today
from samverka.workflows.action_plans.web import DATE_HINT, _optional, partner_choices
from samverka.workflows.councils import services as councils

bp = Blueprint("council_pages", __name__, url_prefix="/t/<tenant_slug>/councils")
calendar_bp = Blueprint("calendar_pages", __name__, url_prefix="/t/<tenant_slug>/calendar")
READ = "tenant:records:read"
WRITE = councils.WRITE


# -- forms -----------------------------------------------------------------------------------


class CouncilForm(BaseForm):
    name = StringField(_l("Name"), widget=GovTextInput())
    kind = SelectField(
        _l("Kind"),
        widget=GovSelect(),
        choices=lambda: [(k, str(v)) for k, v in councils.KIND_LABELS.items()],
        validate_choice=False,
    )
    meetings_per_year = StringField(
        _optional(_l("Meetings per year")),
        widget=GovTextInput(),
        description=_l("Empty: the usual number for the kind (BRÅ council 4, SAMSA 6)."),
    )
    consortium = SelectField(_l("For"), widget=GovSelect(), choices=[], validate_choice=False)
    purpose = TextAreaField(_optional(_l("Purpose")), widget=GovTextArea())
    submit = SubmitField(_l("Create the body"), widget=GovSubmitInput())


class MemberForm(BaseForm):
    tenant = SelectField(_l("Organisation"), widget=GovSelect(), choices=[], validate_choice=False)
    member_user = StringField(
        _optional(_l("User's e-mail address")),
        widget=GovTextInput(),
        description=_l(
            "A user of your organisation or of the organisations in its consortia, or enter "
            "the person's name below."
        ),
    )
    person_name = StringField(_optional(_l("Name")), widget=GovTextInput())
    role = StringField(_optional(_l("Role in the body")), widget=GovTextInput())
    submit = SubmitField(_l("Add the member"), widget=GovSubmitInput())


class MeetingForm(BaseForm):
    meeting_on = StringField(_l("Date"), widget=GovTextInput(), description=DATE_HINT)
    place = StringField(_optional(_l("Place")), widget=GovTextInput())
    agenda = TextAreaField(
        _optional(_l("Agenda")), widget=GovTextArea(), description=_l("One item per line.")
    )
    minutes_text = TextAreaField(_optional(_l("Minutes")), widget=GovTextArea())
    minutes_record_id = SelectField(
        _optional(_l("Minutes as a record")), widget=GovSelect(), choices=[], validate_choice=False
    )
    submit = SubmitField(_l("Save the meeting"), widget=GovSubmitInput())


class DecisionForm(BaseForm):
    text = TextAreaField(_l("Decision"), widget=GovTextArea())
    paragraph = StringField(_optional(_l("Minute paragraph")), widget=GovTextInput())
    submit = SubmitField(_l("Add the decision"), widget=GovSubmitInput())


class AssignmentForm(BaseForm):
    title = StringField(_l("Assignment"), widget=GovTextInput())
    owner_tenant = SelectField(
        _l("Organisation responsible"), widget=GovSelect(), choices=[], validate_choice=False
    )
    owner_user = StringField(_optional(_l("Person's e-mail address")), widget=GovTextInput())
    due_on = StringField(_optional(_l("Due")), widget=GovTextInput(), description=DATE_HINT)
    submit = SubmitField(_l("Add the assignment"), widget=GovSubmitInput())


# -- helpers ---------------------------------------------------------------------------------


def _load(council_id: int) -> Record:
    session = db_session()
    record = services.get_record(session, council_id, user=current_user(), viewer_tenant=g.tenant)
    session.commit()
    if record.type_name != councils.COUNCIL_TYPE:
        abort(404)
    return record


def _owned(record: Record) -> None:
    require(WRITE)
    if record.tenant_id != g.tenant.id:
        abort(403)


def _refused(form: BaseForm, error: ValidationError) -> None:
    db_session().rollback()
    if isinstance(error, RecordValidationError):
        for name, message in error.errors.items():
            field = getattr(form, name, None) or form.form_errors_field()
            field.errors = [*list(field.errors or []), str(message)]
        return
    attach_error(form, error)


def _form(form: BaseForm, *, title: str, back: str, caption: str, status: int):
    return (
        render_template(
            "plans_form.html", form=form, record=None, title=title, back_url=back, caption=caption
        ),
        status,
    )


def _meeting(meeting_id: int) -> tuple[councils.CouncilMeeting, Record]:
    session = db_session()
    meeting = session.get(councils.CouncilMeeting, meeting_id)
    if meeting is None:
        raise NotFound(_("No such meeting."))
    return meeting, _load(meeting.record_id)


# -- pages -----------------------------------------------------------------------------------


def _fields(body: Record):
    """The council's fields the viewer may see (the disclosure door)."""
    return disclose(db_session(), body, user=current_user(), viewer_tenant=g.tenant).data


@bp.route("/")
def index():
    require(READ)
    session = db_session()
    bodies = councils.list_councils(session, viewer=g.tenant, user=current_user(), via="web")
    session.commit()  # the list's audit entries
    return render_template(
        "councils_index.html",
        bodies=bodies,
        fields={b.id: _fields(b) for b in bodies},
        owners=tenant_names({b.tenant_id for b in bodies}),
        kinds=councils.KIND_LABELS,
        can_write=can(WRITE),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(WRITE)
    form = CouncilForm()
    form.consortium.choices = [("", g.tenant.name)] + [
        (c.slug, _("The consortium %(name)s", name=c.name)) for c in g.tenant.consortia
    ]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            session = db_session()
            try:
                body = councils.create_council(
                    session,
                    name=form.name.data,
                    kind=form.kind.data,
                    meetings_per_year=form.meetings_per_year.data,
                    consortium=form.consortium.data or None,
                    purpose=form.purpose.data,
                    user=current_user(),
                )
            except ValidationError as error:
                if error.field == "title":
                    error.field = "name"
                _refused(form, error)
            else:
                session.commit()
                return redirect(url_for(".detail", council_id=body.id))
    return _form(
        form,
        title=_("New council or working group"),
        back=url_for(".index"),
        caption=g.tenant.name,
        status=status,
    )


@bp.route("/<int:council_id>")
def detail(council_id: int):
    body = _load(council_id)
    session = db_session()
    shown = _fields(body)
    members = councils.members_of(session, body)
    assignments = councils.assignments_of(session, body)
    names = tenant_names(
        {m.member_tenant_id for m in members}
        | {a.owner_tenant_id for a in assignments}
        | {body.tenant_id}
    )
    return render_template(
        "councils_detail.html",
        body=body,
        data=shown,
        kind=councils.KIND_LABELS.get(shown.get("kind"), ""),
        planned=councils.planned_meetings(body),
        members=members,
        meetings=councils.meetings_of(session, body),
        assignments=assignments,
        names=names,
        people=user_names({a.owner_user_id for a in assignments}),
        can_write=body.tenant_id == g.tenant.id and can(WRITE),
        today=today(),
    )


@bp.route("/<int:council_id>/members/new", methods=["GET", "POST"])
def new_member(council_id: int):
    body = _load(council_id)
    _owned(body)
    form = MemberForm()
    form.tenant.choices = partner_choices()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            session = db_session()
            try:
                councils.add_member(
                    session,
                    body,
                    tenant=form.tenant.data,
                    member_user=form.member_user.data or None,
                    person_name=form.person_name.data,
                    role=form.role.data,
                    user=current_user(),
                )
            except ValidationError as error:
                _refused(form, error)
            else:
                session.commit()
                return redirect(url_for(".detail", council_id=body.id, _anchor="members"))
    return _form(
        form,
        title=_("Add a member"),
        back=url_for(".detail", council_id=body.id),
        caption=body.title,
        status=status,
    )


@bp.route("/<int:council_id>/meetings/new", methods=["GET", "POST"])
def new_meeting(council_id: int):
    body = _load(council_id)
    _owned(body)
    return _meeting_form(body, None)


def _minutes_choices() -> list[tuple[str, str]]:
    rows = db_session().scalars(
        select(Record)
        .where(
            Record.type_name == "core.minutes",
            Record.tenant_id == g.tenant.id,
            Record.deleted_at.is_(None),
        )
        .order_by(Record.updated_at.desc())
        .limit(200)
    )
    return [("", _("None"))] + [(str(r.id), r.title) for r in rows]


def _meeting_form(body: Record, meeting: councils.CouncilMeeting | None):
    form = MeetingForm()
    form.minutes_record_id.choices = _minutes_choices()
    if request.method == "GET" and meeting is not None:
        form.meeting_on.data = meeting.meeting_on.isoformat()
        form.place.data = meeting.place
        form.agenda.data = meeting.agenda
        form.minutes_text.data = meeting.minutes_text
        form.minutes_record_id.data = str(meeting.minutes_record_id or "")
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            session = db_session()
            values = {
                "meeting_on": form.meeting_on.data,
                "place": form.place.data,
                "agenda": form.agenda.data,
                "minutes_text": form.minutes_text.data,
                "minutes_record_id": form.minutes_record_id.data or None,
            }
            try:
                if meeting is None:
                    meeting = councils.add_meeting(session, body, user=current_user(), **values)
                else:
                    councils.update_meeting(session, body, meeting, user=current_user(), **values)
            except ValidationError as error:
                _refused(form, error)
            else:
                session.commit()
                return redirect(url_for(".meeting", meeting_id=meeting.id))
    title = _("Edit the meeting") if meeting else _("New meeting")
    back = (
        url_for(".meeting", meeting_id=meeting.id)
        if meeting
        else url_for(".detail", council_id=body.id)
    )
    return _form(form, title=title, back=back, caption=body.title, status=status)


@bp.route("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    found, body = _meeting(meeting_id)
    session = db_session()
    assignments = [a for a in councils.assignments_of(session, body) if a.meeting_id == found.id]
    minutes = None
    if found.minutes_record_id:
        minutes = session.get(Record, found.minutes_record_id)
    return render_template(
        "councils_meeting.html",
        body=body,
        meeting=found,
        decisions=councils.decisions_at(session, found),
        assignments=assignments,
        minutes=minutes,
        names=tenant_names({a.owner_tenant_id for a in assignments}),
        people=user_names({a.owner_user_id for a in assignments}),
        can_write=body.tenant_id == g.tenant.id and can(WRITE),
        decision_form=DecisionForm(),
        held=found.meeting_on <= today(),
    )


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit_meeting(meeting_id: int):
    found, body = _meeting(meeting_id)
    _owned(body)
    return _meeting_form(body, found)


@bp.route("/meetings/<int:meeting_id>/decisions", methods=["GET", "POST"])
def new_decision(meeting_id: int):
    found, body = _meeting(meeting_id)
    _owned(body)
    form = DecisionForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            session = db_session()
            try:
                councils.add_decision(
                    session,
                    body,
                    found,
                    text=form.text.data,
                    paragraph=form.paragraph.data,
                    user=current_user(),
                )
            except ValidationError as error:
                _refused(form, error)
            else:
                session.commit()
                return redirect(url_for(".meeting", meeting_id=found.id, _anchor="decisions"))
    return _form(
        form,
        title=_("Add a decision"),
        back=url_for(".meeting", meeting_id=found.id),
        caption=body.title,
        status=status,
    )


@bp.route("/<int:council_id>/assignments/new", methods=["GET", "POST"])
def new_assignment(council_id: int):
    """A new assignment (``?meeting=`` ties it to a meeting of the body)."""
    body = _load(council_id)
    _owned(body)
    session = db_session()
    at = request.args.get("meeting")
    found = councils.get_meeting(session, body, at) if at else None
    form = AssignmentForm()
    form.owner_tenant.choices = partner_choices()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                councils.add_assignment(
                    session,
                    body,
                    title=form.title.data,
                    owner_tenant=form.owner_tenant.data,
                    owner_user=form.owner_user.data or None,
                    due_on=form.due_on.data,
                    meeting=found,
                    user=current_user(),
                )
            except ValidationError as error:
                _refused(form, error)
            else:
                session.commit()
                if found is not None:
                    return redirect(url_for(".meeting", meeting_id=found.id))
                return redirect(url_for(".detail", council_id=body.id, _anchor="assignments"))
    return _form(
        form,
        title=_("New assignment"),
        back=url_for(".detail", council_id=body.id),
        caption=body.title,
        status=status,
    )


@bp.route("/<int:council_id>/assignments/status", methods=["POST"])
def assignment_status(council_id: int):
    body = _load(council_id)
    _owned(body)
    session = db_session()
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400)
    found = councils.get_assignment(session, body, request.form.get("assignment"))
    try:
        councils.set_assignment_status(
            session, body, found, status=request.form.get("status"), user=current_user()
        )
    except ValidationError:
        session.rollback()
        abort(400)
    session.commit()
    return redirect(url_for(".detail", council_id=body.id, _anchor="assignments"))


@bp.route("/assignments/<int:assignment_id>/done", methods=["POST"])
def assignment_done(assignment_id: int):
    """The assignee reports an assignment done (it may belong to another organisation's
    body: see :func:`samverka.workflows.councils.services.report_assignment_done`)."""
    require(READ)
    session = db_session()
    if not BaseForm().validate_on_submit():
        abort(400)
    mine = councils.my_assignments(session, g.tenant, current_user(), open_only=True)
    found = next((a for a in mine if a.id == assignment_id), None)
    if found is None:
        abort(404)
    councils.report_assignment_done(session, found, tenant=g.tenant, user=current_user())
    session.commit()
    flash(_("The assignment is marked done."), "success")
    return redirect(url_for(".assignments"))


@bp.route("/assignments")
def assignments():
    """My assignments: those for me, or for my organisation without a named person."""
    require(READ)
    session = db_session()
    found = councils.my_assignments(session, g.tenant, current_user(), open_only=False)
    bodies = {
        r.id: r
        for r in session.scalars(select(Record).where(Record.id.in_({a.record_id for a in found})))
    }
    return render_template(
        "councils_assignments.html",
        assignments=found,
        bodies=bodies,
        today=today(),
    )


# -- the annual calendar ---------------------------------------------------------------------


@calendar_bp.route("/")
def year():
    return redirect(url_for(".page", year=today().year))


def _entries(year: int) -> list[dict]:
    require(READ)
    if not 2000 <= year <= 2100:
        abort(404)
    return calendar.calendar_entries(db_session(), g.tenant, year)


@calendar_bp.route(f"/<int(min={MIN_YEAR}, max={MAX_YEAR}):year>")
def page(year: int):
    entries = _entries(year)
    return render_template(
        "councils_calendar.html",
        year=year,
        months=calendar.by_month(entries),
        count=len(entries),
        month_names=_month_names(),
    )


@calendar_bp.route(f"/<int(min={MIN_YEAR}, max={MAX_YEAR}):year>.ics")
def ics(year: int):
    entries = _entries(year)
    # Links in a file that leaves the site: never built on the request's Host header.
    base_url = runtime().settings.link_base_url
    body = calendar.to_ics(entries, tenant=g.tenant, year=year, base_url=base_url)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="arshjul-{g.tenant.slug}-{year}.ics"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _month_names() -> list[Any]:
    return [
        _("January"),
        _("February"),
        _("March"),
        _("April"),
        _("May"),
        _("June"),
        _("July"),
        _("August"),
        _("September"),
        _("October"),
        _("November"),
        _("December"),
    ]
