"""Pages: the indicator list, an indicator's page (chart, data table, counts beside rates,
multi-year average, consortium comparison with suppression) and its CSV/XLSX export."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from samverka.plugins.api import authorize, current_tenant, db_session, plugin_config

from . import services
from .charts import bar_chart
from .models import NAME, DataValue
from .periods import years_back

bp = Blueprint("indicators", __name__, template_folder="templates")


def _require(action: str) -> None:
    if not authorize(action):
        abort(403)


@bp.route("/")
def index():
    _require("tenant:indicators:view")
    tenant = current_tenant()
    found = services.visible_indicators(db_session(), tenant)
    return render_template("indicators/index.html", indicators=found, tenant=tenant)


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
    session, tenant = db_session(), current_tenant()
    indicator = _indicator(code)
    years = _years(session)
    own = services.compute(session, tenant, indicator, [tenant.id], years)
    cells = [own[(tenant.id, y)] for y in years]
    window = plugin_config(NAME).get("average_years", 3)
    average = services.multi_year(
        session, tenant, indicator, tenant.id, years_back(years[-1], window)
    )
    comparison = services.compare(session, tenant, indicator, years)
    chart = bar_chart(
        indicator.name,
        _(
            "%(name)s for %(tenant)s by year; the values are also in the table.",
            name=indicator.name,
            tenant=tenant.name,
        ),
        [(c.period, c.rate) for c in cells],
    )
    return render_template(
        "indicators/indicator.html",
        indicator=indicator,
        cells=cells,
        average=average,
        comparison=comparison,
        chart=chart,
        tenant=tenant,
    )


@bp.route("/<code>/export")
def export(code: str):
    _require("tenant:indicators:view")
    session, tenant = db_session(), current_tenant()
    indicator = _indicator(code)
    years = _years(session)
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
    if request.args.get("format") == "xlsx":
        import xlsxwriter

        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True})
        sheet = book.add_worksheet(indicator.code[:31])
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
        book.close()
        return Response(
            out.getvalue(),
            mimetype=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            headers={"Content-Disposition": f"attachment; filename={indicator.code}.xlsx"},
        )
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return Response(
        text.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={indicator.code}.csv"},
    )
