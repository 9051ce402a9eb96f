"""``/t/<tenant>/compliance``: the statutory duties and the evidence for them, the settings
(cycle length, decision body, coordination function), the CSV/XLSX export for Brå's yearly
survey; ``/consortia/<slug>/compliance``: every member side by side for the consortium's
administrators (each member's evidence is read in that member's own scope)."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange

from samverka.errors import NotFound
from samverka.runtime import db_session
from samverka.tenancy import services as tenancy
from samverka.web.context import can, current_user, require
from samverka.web.exports import table_download
from samverka.web.forms import BaseForm, GovSubmitInput, GovTextInput, save
from samverka.workflows.compliance import services as compliance

bp = Blueprint("compliance_pages", __name__)
VIEW, MANAGE = "tenant:compliance:view", "tenant:compliance:manage"


class SettingsForm(BaseForm):
    cycle_months = IntegerField(
        _l("Cycle length in months"),
        widget=GovTextInput(),
        validators=[
            InputRequired(_l("Enter the cycle length in months.")),
            NumberRange(1, 60, _l("The cycle must be between 1 and 60 months long.")),
        ],
    )
    decision_body = StringField(
        _l("Decision body"), widget=GovTextInput(), validators=[Length(max=200)]
    )
    coordination_function = StringField(
        _l("Coordination function"), widget=GovTextInput(), validators=[Length(max=200)]
    )
    coordinator_name = StringField(
        _l("Coordinator"), widget=GovTextInput(), validators=[Length(max=200)]
    )
    submit = SubmitField(_l("Save the settings"), widget=GovSubmitInput())


@bp.route("/t/<tenant_slug>/compliance/")
def show():
    require(VIEW)
    _tenant, settings, rows = compliance.tenant_report(db_session(), g.tenant)
    return render_template(
        "compliance_tenant.html",
        settings=settings,
        rows=rows,
        default_months=compliance.DEFAULT_CYCLE_MONTHS,
        can_manage=can(MANAGE),
    )


@bp.route("/t/<tenant_slug>/compliance/settings", methods=["GET", "POST"])
def settings():
    require(MANAGE)
    session = db_session()
    current = compliance.settings_of(session, g.tenant)
    form = SettingsForm(obj=current)
    if request.method == "GET" and current is None:
        form.cycle_months.data = compliance.DEFAULT_CYCLE_MONTHS

    def change() -> None:
        compliance.save_settings(
            session,
            g.tenant,
            cycle_months=form.cycle_months.data,
            decision_body=form.decision_body.data,
            coordinator_name=form.coordinator_name.data,
            coordination_function=form.coordination_function.data,
        )

    if request.method == "POST" and save(form, change, _("The settings were saved.")):
        return redirect(url_for(".show"))
    return render_template("compliance_settings.html", form=form), 422 if form.errors else 200


@bp.route("/t/<tenant_slug>/compliance/compliance.<fmt>")
def export(fmt: str):
    require(VIEW)
    return table_download(
        compliance.report_table([compliance.tenant_report(db_session(), g.tenant)]), fmt
    )


def _consortium(slug: str):
    if current_user() is None:
        abort(401)
    try:
        consortium = tenancy.get_consortium(db_session(), slug)
    except NotFound:
        abort(404)
    if not can("consortium:tenants:view", consortium=consortium):
        abort(404)
    return consortium


def consortium_reports(consortium) -> list:
    return compliance.consortium_reports(db_session(), consortium, current_user())


@bp.route("/consortia/<slug>/compliance")
def consortium(slug: str):
    found = _consortium(slug)
    reports = consortium_reports(found)
    duties = [(row.duty, row.label) for row in reports[0][2]] if reports else []
    cells = {(tenant.id, row.duty): row for tenant, _settings, rows in reports for row in rows}
    return render_template(
        "compliance_consortium.html",
        consortium=found,
        reports=reports,
        duties=duties,
        cells=cells,
        default_months=compliance.DEFAULT_CYCLE_MONTHS,
    )


@bp.route("/consortia/<slug>/compliance.<fmt>")
def consortium_export(slug: str, fmt: str):
    found = _consortium(slug)
    return table_download(compliance.report_table(consortium_reports(found)), fmt)
