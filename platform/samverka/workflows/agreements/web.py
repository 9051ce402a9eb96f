"""``/t/<tenant>/agreements`` and ``/t/<tenant>/pledges``: cooperation agreements and citizen
pledges (list, new, detail, edit, end; a pledge's yearly follow-up).

Lists are edited as text, one item per line with parts separated by ";" (explained in each
field's hint), so the forms work without JavaScript. Reads go through
``services.get_record`` (reads of confidential records are audited); writes through
:mod:`samverka.workflows.agreements.services` in one transaction: a bad part refuses the whole form
and keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf import wtforms_widgets as gov
from wtforms import (
    BooleanField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from samverka.errors import Conflict, ValidationError
from samverka.records import services
from samverka.records.disclosure import disclose
from samverka.records.models import Record
from samverka.runtime import db_session
from samverka.tenants.models import Tenant
from samverka.web.context import can, current_user, require
from samverka.web.forms import BaseForm, GovSubmitInput, GovTextArea, GovTextInput, attach_error
from samverka.web.names import tenant_names
from samverka.web.records_forms import GovCheckbox, GovRadios
from samverka.workflows.agreements import services as ag

agreement_bp = Blueprint("agreement_pages", __name__, url_prefix="/t/<tenant_slug>/agreements")
pledge_bp = Blueprint("pledge_pages", __name__, url_prefix="/t/<tenant_slug>/pledges")
READ, WRITE = "tenant:records:read", "tenant:records:write"
DATE_HINT = _l("For example 2026-03-31.")


class GovCheckboxes(gov.GovCheckboxesInput):
    pass


# -- forms -----------------------------------------------------------------------------------


def _date(label: Any, required: bool = False) -> StringField:
    validators = [DataRequired(_l("Enter the date as YYYY-MM-DD."))] if required else []
    return StringField(label, widget=GovTextInput(), validators=validators)


class AgreementForm(BaseForm):
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a title.")), Length(max=300)],
    )
    valid_from = _date(_l("Valid from"), required=True)
    valid_to = _date(_l("Valid to"))
    until_further_notice = BooleanField(_l("Valid until further notice"), widget=GovCheckbox())
    review_on = _date(_l("Review date"))
    parties = TextAreaField(_l("Parties"), widget=GovTextArea())
    signatories = TextAreaField(_l("Signatories"), widget=GovTextArea())
    problems = TextAreaField(_l("Prioritised problems"), widget=GovTextArea())
    summary = TextAreaField(_l("Summary"), widget=GovTextArea())
    annexes = SelectMultipleField(
        _l("Annexes"), widget=GovCheckboxes(), coerce=int, validate_choice=False
    )
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class PledgeForm(BaseForm):
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a title.")), Length(max=300)],
    )
    valid_from = _date(_l("Valid from"), required=True)
    valid_to = _date(_l("Valid to"))
    focus_areas = TextAreaField(_l("Focus areas"), widget=GovTextArea())
    public_text = TextAreaField(
        _l("Public text"),
        widget=GovTextArea(),
        validators=[DataRequired(_l("Write the text the public sees."))],
    )
    published = BooleanField(_l("Published on the public page"), widget=GovCheckbox())
    follow_up_month = StringField(_l("Month of the yearly follow-up"), widget=GovTextInput())
    activities = TextAreaField(_l("Activities"), widget=GovTextArea())
    internal_notes = TextAreaField(_l("Internal notes"), widget=GovTextArea())
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class EndForm(BaseForm):
    ended_on = _date(_l("Last valid day"), required=True)
    submit = SubmitField(_l("End"), widget=GovSubmitInput())


class FollowUpForm(BaseForm):
    year = StringField(
        _l("Year"), widget=GovTextInput(), validators=[DataRequired(_l("Enter the year."))]
    )
    status = RadioField(
        _l("How did it go?"),
        widget=GovRadios(),
        choices=lambda: [SelectChoice(k, str(v)) for k, v in ag.FOLLOW_UP_LABELS.items()],
        validate_choice=False,
    )
    text = TextAreaField(
        _l("Follow-up"),
        widget=GovTextArea(),
        validators=[DataRequired(_l("Describe how the pledge was followed up."))],
    )
    submit = SubmitField(_l("Save the follow-up"), widget=GovSubmitInput())


# -- parsing the text lists -------------------------------------------------------------------


def parse_parties(text: str | None) -> list[dict]:
    """One party per line: an organisation's short name on the platform, or any name
    (resolved by the service in one query)."""
    return ag.parties_from_lines(db_session(), text)


def parse_signatories(text: str | None) -> list[dict]:
    rows = []
    for line in ag.lines(text):
        name, title, party, signed_on = ag.line_parts(line, 4)
        rows.append({"name": name, "title": title, "party": party, "signed_on": signed_on})
    return rows


def parse_activities(text: str | None) -> list[dict]:
    """One activity per line: ``description; owner; unit; due`` (owners resolved by the
    service in one query)."""
    return ag.activities_from_lines(db_session(), text)


def _party_lines(session, record: Record) -> str:
    parties = ag.agreement_parts(session, record).parties
    slugs = ag.tenant_slugs(session, (p.party_tenant_id for p in parties))
    return "\n".join(slugs.get(p.party_tenant_id) or p.name for p in parties)


def _signatory_lines(session, record: Record) -> str:
    return "\n".join(
        "; ".join(
            [s.name, s.title or "", s.party or "", s.signed_on.isoformat() if s.signed_on else ""]
        )
        for s in ag.agreement_parts(session, record).signatories
    )


def _activity_lines(session, record: Record) -> str:
    activities = ag.activities_of(session, record)
    slugs = ag.tenant_slugs(session, (a.owner_tenant_id for a in activities))
    lines = []
    for a in activities:
        due = a.due_on.isoformat() if a.due_on else ""
        lines.append(
            "; ".join([a.description, slugs.get(a.owner_tenant_id, ""), a.owner_name or "", due])
        )
    return "\n".join(lines)


# -- helpers ---------------------------------------------------------------------------------


def _load(record_id: int, kind: str) -> Record:
    session = db_session()
    record = services.get_record(session, record_id, user=current_user(), viewer_tenant=g.tenant)
    session.commit()
    if record.type_name != kind:
        abort(404)
    return record


def _owner_only(record: Record) -> None:
    if record.tenant_id != g.tenant.id:
        abort(403)


def _annex_choices() -> list[SelectChoice]:
    found = ag.annex_candidates(db_session(), g.tenant, current_user())
    labels = {
        ag.SITUATION_PICTURE_TYPE: _("Situation picture"),
        ag.ACTION_PLAN_TYPE: _("Action plan"),
    }
    return [SelectChoice(r.id, f"{labels[r.type_name]}: {r.title}") for r in found]


def _apply(form: BaseForm, change) -> Record | None:
    """Run ``change`` in one transaction; a service error shows on the form, nothing stored."""
    if not form.validate_on_submit():
        return None
    try:
        record = change()
    except (ValidationError, Conflict) as error:
        db_session().rollback()
        if not isinstance(error, ValidationError):
            error = ValidationError(str(error))
        field = error.field if error.field and hasattr(form, error.field) else None
        if field is None and error.field and hasattr(form, error.field.removeprefix("field_")):
            field = error.field.removeprefix("field_")
        attach_error(form, ValidationError(str(error), field))
        return None
    db_session().commit()
    flash(_("Saved."), "success")
    return record


def _fields(record: Record):
    """The record's fields the viewer may see (the disclosure door)."""
    return disclose(db_session(), record, user=current_user(), viewer_tenant=g.tenant).data


# -- what the two kinds' pages differ in ------------------------------------------------------


@dataclass(frozen=True)
class Pages:
    """One kind's pages: its service kind, blueprint, id argument, form and templates, and
    the few things its forms and list add. The list, new, edit and end pages of both kinds
    are the functions below, registered once per kind by :func:`_register`."""

    kind: ag.Kind
    bp: Blueprint
    id_arg: str
    form: type[BaseForm]
    list_template: str
    form_template: str
    data: Callable[[Any], dict]  # the form's record fields
    lists: Callable[[Any], dict]  # the form's text lists, parsed
    fill: Callable[[Any, Record, Any], None]  # an edit form from the stored record
    prepare: Callable[[Any], None] = lambda form: None  # choices, before validation
    defaults: Callable[[Any], None] = lambda form: None  # a new form's first values
    row: Callable[[Any], dict] = lambda data: {}  # a list row's own columns
    list_context: Callable[[], dict] = dict  # the list page's own values

    def show_url(self, record: Record) -> str:
        return url_for(".show", **{self.id_arg: record.id})


def _agreement_data(form: AgreementForm) -> dict:
    return {
        "valid_from": form.valid_from.data or None,
        "valid_to": form.valid_to.data or None,
        "until_further_notice": bool(form.until_further_notice.data) or None,
        "review_on": form.review_on.data or None,
        "problems": form.problems.data or None,
        "summary": form.summary.data or None,
    }


def _agreement_lists(form: AgreementForm) -> dict:
    return {
        "parties": parse_parties(form.parties.data),
        "signatories": parse_signatories(form.signatories.data),
        "annexes": form.annexes.data or [],
    }


def _fill_agreement(form: AgreementForm, record: Record, session) -> None:
    data = _fields(record)
    form.title.data = record.title
    for key in ("valid_from", "valid_to", "review_on", "problems", "summary"):
        getattr(form, key).data = data.get(key) or ""
    form.until_further_notice.data = bool(data.get("until_further_notice"))
    form.parties.data = _party_lines(session, record)
    form.signatories.data = _signatory_lines(session, record)
    form.annexes.data = [a.annex_record_id for a, _r in ag.agreement_parts(session, record).annexes]


def _pledge_data(form: PledgeForm) -> dict:
    return {
        "valid_from": form.valid_from.data or None,
        "valid_to": form.valid_to.data or None,
        "focus_areas": form.focus_areas.data or None,
        "public_text": form.public_text.data or None,
        "published": bool(form.published.data),
        "follow_up_month": form.follow_up_month.data or None,
        "internal_notes": form.internal_notes.data or None,
    }


def _fill_pledge(form: PledgeForm, record: Record, session) -> None:
    data = _fields(record)
    form.title.data = record.title
    for key in ("valid_from", "valid_to", "focus_areas", "public_text", "internal_notes"):
        getattr(form, key).data = data.get(key) or ""
    form.follow_up_month.data = str(data.get("follow_up_month") or "")
    form.published.data = bool(data.get("published"))
    form.activities.data = _activity_lines(session, record)


def _set_annex_choices(form: AgreementForm) -> None:
    form.annexes.choices = _annex_choices()


def _own_party(form: AgreementForm) -> None:
    form.parties.data = g.tenant.slug


AGREEMENT_PAGES = Pages(
    kind=ag.AGREEMENTS,
    bp=agreement_bp,
    id_arg="agreement_id",
    form=AgreementForm,
    list_template="agreements_list.html",
    form_template="agreements_form.html",
    data=_agreement_data,
    lists=_agreement_lists,
    fill=_fill_agreement,
    prepare=_set_annex_choices,
    defaults=_own_party,
    row=lambda data: {"end": ag.end_of(data)},
)
PLEDGE_PAGES = Pages(
    kind=ag.PLEDGES,
    bp=pledge_bp,
    id_arg="pledge_id",
    form=PledgeForm,
    list_template="agreements_pledges.html",
    form_template="agreements_pledge_form.html",
    data=_pledge_data,
    lists=lambda form: {"activities": parse_activities(form.activities.data)},
    fill=_fill_pledge,
    row=lambda data: {"published": bool(data.get("published"))},
    list_context=lambda: {"public_url": url_for("public.pledges", slug=g.tenant.slug)},
)


# -- list, new, edit, end: one implementation for both kinds --------------------------------


def _index(pages: Pages):
    require(READ)
    session, today = db_session(), ag.today()
    records = ag.listed(session, pages.kind, viewer=g.tenant, user=current_user(), via="web")
    session.commit()  # the list's audit entries
    rows = []
    for record in records:
        data = _fields(record)
        current = ag.is_current(data, today)
        rows.append({"record": record, "data": data, "current": current, **pages.row(data)})
    return render_template(
        pages.list_template, rows=rows, can_write=can(WRITE), **pages.list_context()
    )


def _new(pages: Pages):
    require(WRITE)
    return _form_page(pages, None)


def _edit(pages: Pages, record_id: int):
    require(WRITE)
    record = _load(record_id, pages.kind.type_name)
    _owner_only(record)
    return _form_page(pages, record)


def _form_page(pages: Pages, record: Record | None):
    """The new form (``record`` None) or the edit form: saved in one transaction and off to
    the record's page, or shown again with what was typed and the errors."""
    session = db_session()
    form = pages.form()
    pages.prepare(form)
    if request.method == "GET":
        if record is None:
            pages.defaults(form)
        else:
            pages.fill(form, record, session)

    def change() -> Record:
        given = {
            "title": form.title.data,
            "data": pages.data(form),
            "user": current_user(),
            **pages.lists(form),
        }
        if record is None:
            return ag.create(session, pages.kind, **given)
        return ag.update(session, pages.kind, record, **given)

    saved = _apply(form, change)
    if saved is not None:
        return redirect(pages.show_url(saved))
    return render_template(pages.form_template, form=form, record=record), (
        422 if form.errors else 200
    )


def _end(pages: Pages, record_id: int):
    require(WRITE)
    record = _load(record_id, pages.kind.type_name)
    _owner_only(record)
    form = EndForm()
    if request.method == "GET":
        form.ended_on.data = ag.today().isoformat()
    done = _apply(
        form,
        lambda: ag.end_record(
            db_session(), record, ended_on=form.ended_on.data, user=current_user()
        ),
    )
    if done is not None:
        return redirect(pages.show_url(record))
    return render_template(
        "agreements_end.html", form=form, record=record, back=pages.show_url(record)
    ), (422 if form.errors else 200)


def _register(pages: Pages) -> None:
    """The kind's list, new, edit and end routes (endpoints ``index``, ``new``, ``edit``,
    ``end`` of its blueprint; ``show`` is each kind's own page below)."""
    ident = f"/<int:{pages.id_arg}>"
    both = ["GET", "POST"]
    pages.bp.add_url_rule("/", "index", lambda: _index(pages))
    pages.bp.add_url_rule("/new", "new", lambda: _new(pages), methods=both)
    pages.bp.add_url_rule(
        f"{ident}/edit", "edit", lambda **ids: _edit(pages, ids[pages.id_arg]), methods=both
    )
    pages.bp.add_url_rule(
        f"{ident}/end", "end", lambda **ids: _end(pages, ids[pages.id_arg]), methods=both
    )


_register(AGREEMENT_PAGES)
_register(PLEDGE_PAGES)


# -- each kind's own page ---------------------------------------------------------------------


@agreement_bp.route("/<int:agreement_id>/")
def show(agreement_id: int):
    require(READ)
    record = _load(agreement_id, ag.AGREEMENT_TYPE)
    session = db_session()
    owner = session.get(Tenant, record.tenant_id)
    data = _fields(record)
    return render_template(
        "agreements_detail.html",
        record=record,
        data=data,
        parts=ag.agreement_parts(session, record),
        owner=owner,
        current=ag.is_current(data),
        is_owner=record.tenant_id == g.tenant.id,
        can_write=can(WRITE) and record.tenant_id == g.tenant.id,
    )


@pledge_bp.route("/<int:pledge_id>/", methods=["GET", "POST"], endpoint="show")
def pledge_show(pledge_id: int):
    """The pledge, its activities and follow-ups; the owner records a year's follow-up here."""
    require(READ)
    record = _load(pledge_id, ag.PLEDGE_TYPE)
    session = db_session()
    is_owner = record.tenant_id == g.tenant.id
    form = FollowUpForm()
    if request.method == "GET":
        form.year.data = str(ag.today().year)
    else:
        require(WRITE)
        _owner_only(record)
        done = _apply(
            form,
            lambda: ag.record_follow_up(
                session,
                record,
                year=form.year.data,
                status=form.status.data,
                text=form.text.data,
                user=current_user(),
            ),
        )
        if done is not None:
            return redirect(url_for(".show", pledge_id=record.id))
    activities = ag.activities_of(session, record)
    data = _fields(record)
    return render_template(
        "agreements_pledge_detail.html",
        record=record,
        data=data,
        activities=activities,
        follow_ups=ag.follow_ups_of(session, record),
        focus_areas=ag.lines(data.get("focus_areas")),
        owners=tenant_names(a.owner_tenant_id for a in activities),
        labels=ag.FOLLOW_UP_LABELS,
        current=ag.is_current(data),
        is_owner=is_owner,
        can_write=can(WRITE) and is_owner,
        form=form,
    ), (422 if form.errors else 200)
