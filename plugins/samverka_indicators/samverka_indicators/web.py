"""Pages: the indicator list, an indicator's page (chart, data table, counts beside rates,
multi-year average, consortium comparison with suppression) and its CSV/XLSX export."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from samverka.toolkit import (
    BarChart,
    Reference,
    Series,
    ValidationError,
    authorize,
    current_tenant,
    db_session,
    plugin_config,
    render_chart,
)

from . import services
from .models import NAME, DataValue
from .periods import years_back

bp = Blueprint("indicators", __name__, template_folder="templates")
VIEW = "tenant:indicators:view"
MANAGE = "tenant:indicators:manage"


def _require(action: str) -> None:
    if not authorize(action):
        abort(403)


@bp.route("/")
def index():
    _require("tenant:indicators:view")
    return _render_index()


def _render_index(error: str | None = None, status: int = 200):
    """The list: each indicator with the tenant's latest value and its target's status."""
    from . import follow_up

    session, tenant = db_session(), current_tenant()
    found = services.visible_indicators(session, tenant)
    targets = follow_up.targets_by_indicator(session)
    progress = {
        i.id: follow_up.progress(session, tenant, i, tenant.id, targets.get(i.id)) for i in found
    }
    return render_template(
        "indicators/index.html",
        indicators=found,
        progress=progress,
        tenant=tenant,
        authorize=authorize,
        error=error,
    ), status


def _indicator(code: str):
    for indicator in services.visible_indicators(db_session(), current_tenant()):
        if indicator.code == code:
            return indicator
    abort(404)


def _years(session) -> list[str]:
    from sqlalchemy import func, select

    last = session.scalar(select(func.max(DataValue.period)))
    end = (last or "2024")[:4]
    return years_back(end, 5)


@bp.route("/<code>")
def indicator_page(code: str):
    _require("tenant:indicators:view")
    return _render_indicator(_indicator(code))


def _render_indicator(indicator, errors: dict | None = None, form=None, status: int = 200):
    """The indicator's page; ``errors`` (field → message) and ``form`` re-show a target or
    measure form that did not validate."""
    from . import follow_up

    session, tenant = db_session(), current_tenant()
    years = _years(session)
    own = services.compute(session, tenant, indicator, [tenant.id], years)
    cells = [own[(tenant.id, y)] for y in years]
    window = plugin_config(NAME).get("average_years", 3)
    average = services.multi_year(
        session, tenant, indicator, tenant.id, years_back(years[-1], window)
    )
    comparison = services.compare(session, tenant, indicator, years)
    target = follow_up.target_of(session, indicator)
    chart = render_chart(
        BarChart(
            indicator.name,
            _(
                "%(name)s for %(tenant)s by year; the values are also in the table.",
                name=indicator.name,
                tenant=tenant.name,
            ),
            [c.period for c in cells],
            [Series(tenant.name, [c.rate for c in cells])],
            category_label=_("Period"),
            decimals=1,
            reference=Reference(target.target_value, _("target")) if target else None,
        )
    )
    linked = follow_up.linked_measures(session, tenant, indicator)
    measures = [] if not authorize(MANAGE) else _measure_choices(session, tenant, linked)
    return render_template(
        "indicators/indicator.html",
        indicator=indicator,
        cells=cells,
        average=average,
        comparison=comparison,
        chart=chart,
        tenant=tenant,
        target=target,
        progress=follow_up.progress(session, tenant, indicator, tenant.id, target),
        linked=linked,
        measures=measures,
        can_manage=authorize(MANAGE),
        errors=errors or {},
        form=form or {},
    ), status


def _measure_choices(session, tenant, linked) -> list:
    from samverka.toolkit import measure_references

    taken = {m.id for m in linked}
    return [m for m in measure_references(session, tenant) if m.id not in taken]


@bp.route("/<code>/target", methods=["POST"])
def save_target(code: str):
    """Set the tenant's baseline and target; an empty baseline value takes the computed one."""
    from flask import flash, redirect, url_for

    from . import follow_up

    _require(MANAGE)
    session, tenant = db_session(), current_tenant()
    indicator = _indicator(code)
    form = request.form
    try:
        follow_up.save_target(
            session,
            tenant,
            indicator,
            baseline_period=form.get("baseline_period", ""),
            baseline_value=form.get("baseline_value", "").strip() or None,
            target_period=form.get("target_period", ""),
            target_value=form.get("target_value", ""),
            note=form.get("note", ""),
        )
    except ValidationError as error:
        session.rollback()
        return _render_indicator(indicator, {error.field or "target_value": str(error)}, form, 422)
    session.commit()
    flash(_("The target was saved."), "success")
    return redirect(url_for(".indicator_page", tenant_slug=tenant.slug, code=code))


@bp.route("/<code>/target/delete", methods=["POST"])
def delete_target(code: str):
    from flask import flash, redirect, url_for

    from . import follow_up

    _require(MANAGE)
    session, tenant = db_session(), current_tenant()
    if follow_up.delete_target(session, tenant, _indicator(code)):
        session.commit()
        flash(_("The target was removed."), "success")
    return redirect(url_for(".indicator_page", tenant_slug=tenant.slug, code=code))


@bp.route("/<code>/measures", methods=["POST"])
def link_measure(code: str):
    """Attach the indicator to a measure of one of the tenant's action plans."""
    from flask import flash, redirect, url_for

    from . import follow_up

    _require(MANAGE)
    session, tenant = db_session(), current_tenant()
    indicator = _indicator(code)
    try:
        follow_up.link_measure(session, tenant, indicator, request.form.get("measure"))
    except ValidationError as error:
        session.rollback()
        return _render_indicator(indicator, {"measure": str(error)}, request.form, 422)
    session.commit()
    flash(_("The indicator now follows up the measure."), "success")
    return redirect(url_for(".indicator_page", tenant_slug=tenant.slug, code=code))


@bp.route("/<code>/measures/<int:measure_id>/delete", methods=["POST"])
def unlink_measure(code: str, measure_id: int):
    from flask import flash, redirect, url_for

    from . import follow_up

    _require(MANAGE)
    session, tenant = db_session(), current_tenant()
    if follow_up.unlink_measure(session, tenant, _indicator(code), measure_id):
        session.commit()
        flash(_("The measure is no longer followed up by this indicator."), "success")
    return redirect(url_for(".indicator_page", tenant_slug=tenant.slug, code=code))


@bp.route("/<code>/export")
def export(code: str):
    _require("tenant:indicators:view")
    session, tenant = db_session(), current_tenant()
    indicator = _indicator(code)
    years = _years(session)
    if request.args.get("table") == "comparison":
        rows = _comparison_rows(services.compare(session, tenant, indicator, years))
        name = f"{indicator.code}-comparison"
    else:
        own = services.compute(session, tenant, indicator, [tenant.id], years)
        rows = [("period", "numerator", "denominator", "rate")] + [
            (
                y,
                own[(tenant.id, y)].numerator,
                own[(tenant.id, y)].denominator,
                own[(tenant.id, y)].rate,
            )
            for y in years
        ]
        name = indicator.code
    if request.args.get("format") == "xlsx":
        import xlsxwriter

        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True})
        sheet = book.add_worksheet(indicator.code[:31])  # Excel's limit
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
        book.close()
        return Response(
            out.getvalue(),
            mimetype=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            headers={"Content-Disposition": f"attachment; filename={name}.xlsx"},
        )
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return Response(
        text.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}.csv"},
    )


def _comparison_rows(result) -> list[tuple]:
    """The comparison as the page shows it: a suppressed cell has no numbers, only the
    flag; member names are guarded against spreadsheet formulas."""
    rows: list[tuple] = [("member", "period", "numerator", "denominator", "rate", "suppressed")]
    named = [(member.name, cells) for member, cells in result.rows]
    for name, cells in [*named, (_("All members"), result.total)]:
        for period in result.periods:
            c = cells[period]
            numbers = (None, None, None) if c.suppressed else (c.numerator, c.denominator, c.rate)
            rows.append((_safe(name), period, *numbers, c.suppressed))
    return rows


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# --- upload with a preview, then an import job ------------------------------------------

PREVIEW_ROWS = 20
MAX_UPLOAD = 20 * 1024 * 1024


@bp.route("/import", methods=["GET", "POST"])
def upload():
    """Upload a CSV/XLSX file (own columns or a Brå file); the preview shows the first rows
    and every row-level error before anything is stored."""
    from flask_babel import gettext as _

    from samverka.toolkit import record_event

    from . import imports
    from .models import ImportBatch

    _require("tenant:indicators:manage")
    session, tenant = db_session(), current_tenant()
    if request.method == "GET":
        return render_template("indicators/upload.html", tenant=tenant, error=None)
    file = request.files.get("file")
    bra = request.form.get("format") == "bra"
    name = (file.filename or "") if file else ""
    suffix = "xlsx" if name.lower().endswith(".xlsx") else "csv"
    content = file.read(MAX_UPLOAD + 1) if file else b""
    if not content or len(content) > MAX_UPLOAD:
        return render_template(
            "indicators/upload.html",
            tenant=tenant,
            error=_("Choose a CSV or XLSX file of at most 20 MB."),
        ), 400
    kind = f"bra_{suffix}" if bra else suffix
    try:
        table = imports.read_table(kind, content)
    except ValidationError as error:  # a broken or wrong file: its message, in Swedish
        return render_template("indicators/upload.html", tenant=tenant, error=str(error)), 400
    if bra:
        checked = imports.check_bra(
            session, tenant, table, plugin_config(NAME).get("bra_mapping", {})
        )
    else:
        checked = imports.check_rows(session, tenant, table)
    batch = ImportBatch(tenant_id=tenant.id, kind=kind, filename=name[:200], content=content)
    session.add(batch)
    session.flush()
    record_event(
        session,
        "indicators.upload",
        tenant_id=tenant.id,
        target_type="import_batch",
        target_id=batch.id,
    )
    session.commit()
    return render_template(
        "indicators/preview.html",
        tenant=tenant,
        batch=batch,
        header=table[0] if table else [],
        rows=table[1 : PREVIEW_ROWS + 1],
        checked=checked,
        periods=sorted(checked.good),
    )


@bp.route("/import/<int:batch_id>/run", methods=["POST"])
def run_import(batch_id: int):
    """Queue the import of an uploaded batch (once: a second press shows the same job)."""
    from flask import redirect, url_for

    from samverka.toolkit import enqueue

    from .models import ImportBatch

    _require("tenant:indicators:manage")
    session, tenant = db_session(), current_tenant()
    if session.get(ImportBatch, batch_id) is None:
        abort(404)
    job = enqueue(
        session,
        "indicators.import_batch",
        tenant_id=tenant.id,
        idempotency_key=f"indicators-batch-{batch_id}",
        batch_id=batch_id,
    )
    session.commit()
    return redirect(url_for("jobs.show", tenant_slug=tenant.slug, job_id=job.id))


KPI_LIST = r"^[A-Za-z0-9_.\-]{1,40}(,[A-Za-z0-9_.\-]{1,40}){0,19}$"
YEAR_LIST = r"^(19|20)\d\d(,(19|20)\d\d){0,24}$"


@bp.route("/kolada", methods=["POST"])
def kolada():
    """Queue a Kolada import of the given KPIs (data element codes) and years (at most 20
    and 25, Kolada's limits per request) for this municipality."""
    import re

    from flask import redirect, url_for
    from flask_babel import gettext as _

    from samverka.toolkit import enqueue

    _require("tenant:indicators:manage")
    session, tenant = db_session(), current_tenant()
    kpis = re.sub(r"\s", "", request.form.get("kpis", ""))
    years = re.sub(r"\s", "", request.form.get("years", ""))
    if not re.match(KPI_LIST, kpis) or not re.match(YEAR_LIST, years):
        return _render_index(
            _("Give KPI ids and years separated by commas (at most 20 and 25)."), 422
        )
    job = enqueue(
        session,
        "indicators.import_kolada",
        tenant_id=tenant.id,
        kpis=kpis.split(","),
        years=years.split(","),
    )
    session.commit()
    return redirect(url_for("jobs.show", tenant_slug=tenant.slug, job_id=job.id))
