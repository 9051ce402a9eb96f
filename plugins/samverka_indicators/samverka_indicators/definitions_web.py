"""Pages for definitions: the data elements and indicators a tenant sees (its own and the
shared ones of its consortium), and forms to add or change its own. A shared definition is
changed only by the tenant that owns it; the others see who does."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from samverka.toolkit import (
    ValidationError,
    authorize,
    consortium_members,
    current_tenant,
    db_session,
)

from . import services
from .models import ELEMENT_FIELDS, INDICATOR_FIELDS, NAME, DataElement, Indicator
from .web import MANAGE, VIEW, bp


def _render(errors=None, element_form=None, indicator_form=None, status=200):
    session, tenant = db_session(), current_tenant()
    owners = {t.id: t.name for t in consortium_members(session, tenant, NAME)}
    elements = sorted(services.visible_elements(session, tenant).values(), key=lambda e: e.code)
    return render_template(
        "indicators/definitions.html",
        tenant=tenant,
        elements=elements,
        indicators=services.visible_indicators(session, tenant),
        owners=owners,
        can_manage=authorize(MANAGE),
        errors=errors or {},
        element_form=element_form or {"aggregation": "sum"},
        indicator_form=indicator_form or {"denominator": "1", "factor": "1"},
    ), status


@bp.route("/definitions")
def definitions():
    if not authorize(VIEW):
        abort(403)
    return _render()


def _own(model, code: str) -> dict:
    """The tenant's own definition's fields for an edit form (404 for another's)."""
    row = db_session().scalar(select(model).where(model.code == code))
    if row is None or row.tenant_id != current_tenant().id:
        abort(404)
    fields = ELEMENT_FIELDS if model is DataElement else INDICATOR_FIELDS
    return {f: getattr(row, f) for f in fields} | {"shared": row.shared}


@bp.route("/definitions/elements/<code>")
def edit_element(code: str):
    if not authorize(MANAGE):
        abort(403)
    return _render(element_form=_own(DataElement, code))


@bp.route("/definitions/indicators/<code>/edit")
def edit_indicator(code: str):
    if not authorize(MANAGE):
        abort(403)
    return _render(indicator_form=_own(Indicator, code))


@bp.route("/definitions/elements", methods=["POST"])
def save_element():
    """Add or change (by code) one of the tenant's data elements."""
    if not authorize(MANAGE):
        abort(403)
    session, tenant = db_session(), current_tenant()
    form = request.form
    try:
        services.define_element(
            session,
            tenant,
            form.get("code", ""),
            form.get("name", ""),
            unit=form.get("unit", "").strip(),
            aggregation=form.get("aggregation", "sum"),
            shared=form.get("shared") == "1",
            source=form.get("source", "").strip(),
        )
    except ValidationError as error:
        session.rollback()
        field = f"element-{error.field or 'code'}"
        return _render({field: str(error)}, element_form=form, status=422)
    session.commit()
    flash(_("The data element was saved."), "success")
    return redirect(url_for(".definitions", tenant_slug=tenant.slug))


@bp.route("/definitions/indicators", methods=["POST"])
def save_indicator():
    """Add or change (by code) one of the tenant's indicators; the expressions may refer
    only to data elements the tenant sees."""
    if not authorize(MANAGE):
        abort(403)
    session, tenant = db_session(), current_tenant()
    form = request.form
    try:
        factor = _factor(form.get("factor", "1"))
        indicator = services.define_indicator(
            session,
            tenant,
            form.get("code", ""),
            form.get("name", ""),
            form.get("numerator", ""),
            form.get("denominator", "") or "1",
            factor=factor,
            term=form.get("term", "long"),
            direction=form.get("direction", "lower_better"),
            source=form.get("source", "").strip()[:200],
            attribution=form.get("attribution", "").strip()[:200],
            shared=form.get("shared") == "1",
        )
    except ValidationError as error:
        session.rollback()
        field = f"indicator-{error.field or 'code'}"
        return _render({field: str(error)}, indicator_form=form, status=422)
    code = indicator.code
    session.commit()
    flash(_("The indicator was saved."), "success")
    return redirect(url_for(".indicator_page", tenant_slug=tenant.slug, code=code))


def _factor(text: str) -> float:
    try:
        return float((text or "1").replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except ValueError:
        raise ValidationError(_("The factor must be a positive number."), "factor") from None
