"""The situation picture's charts: its breakdowns (:mod:`.figures`) as chart specifications
for the core's chart service (:mod:`samverka.charts`), the same for the page and the PDF.

Events by category (bars), the last 12 months of the largest categories (lines), weekday ×
time of day (a heat map), by area (bars) and this period beside the previous one (grouped
bars, the changes also named in words). A suppressed count ("<5") stays suppressed: the
chart service never draws it as a size. Each chart says in its description what it shows
in words, so a reader who cannot see it loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverka.areas.models import Area
from samverka.areas.services import current_geometries
from samverka.charts import (
    SUPPRESSED,
    AreaMap,
    BarChart,
    HeatMap,
    LineChart,
    MapFeature,
    RenderedChart,
    Series,
    render,
)
from samverka.maps import AreaFigure, MapData, area_map_data
from samverka.records.models import Record
from samverka.workflows.pictures import figures
from samverka.workflows.pictures.figures import Cell, PictureFigures
from samverka.workflows.rounds.models import AREA_FIGURES, PictureFigure

#: Lines in the 12-month chart: more would not be told apart (the rest are in the table
#: of categories).
MONTHLY_LINES = 5
#: Bars in the area chart (the largest areas).
AREA_BARS = 15


def value(cell: Cell | None):
    """A figure's cell as a chart value (the figures' "<5" is the chart service's marker)."""
    return SUPPRESSED if cell == figures.SUPPRESSED else cell


def picture_charts(found: PictureFigures) -> list:
    """The chart specifications for one picture's figures (none for an empty picture)."""
    charts = []
    if found.by_category:
        charts.append(_categories(found))
    if any(s.counts for s in found.monthly.series) and found.monthly.series:
        charts.append(_monthly(found))
    if any(v not in (0, None) for row in found.weekday_by_time.values for v in row):
        charts.append(_when(found))
    if found.by_area:
        charts.append(_areas(found))
    if found.comparison.changes:
        charts.append(_comparison(found))
    return charts


def rendered_charts(found: PictureFigures) -> list[RenderedChart]:
    """:func:`picture_charts`, drawn (cached by specification and language)."""
    return [render(chart) for chart in picture_charts(found)]


def _categories(found: PictureFigures) -> BarChart:
    rows = found.by_category
    top = rows[0]
    return BarChart(
        title=_("Events by category"),
        description=_(
            "%(n)s categories; the largest is %(label)s with %(count)s events.",
            n=len(rows),
            label=top.label,
            count=top.count,
        ),
        categories=[r.label for r in rows],
        series=[Series(_("Number of events"), [value(r.count) for r in rows])],
        category_label=_("Category"),
    )


def _monthly(found: PictureFigures) -> LineChart:
    monthly = found.monthly
    shown = monthly.series[:MONTHLY_LINES]
    return LineChart(
        title=_("The last 12 months by category"),
        description=_(
            "Events per month from %(first)s to %(last)s for the %(n)s largest categories: "
            "%(names)s. A month without a picture has no point.",
            first=monthly.labels[0],
            last=monthly.labels[-1],
            n=len(shown),
            names=", ".join(s.label for s in shown),
        ),
        x_labels=monthly.labels,
        series=[Series(s.label, s.counts) for s in shown],
        x_label=_("Month"),
    )


def _when(found: PictureFigures) -> HeatMap:
    grid = found.weekday_by_time
    busiest = _busiest(grid.rows, grid.columns, grid.values)
    return HeatMap(
        title=_("Events by weekday and time of day"),
        description=busiest,
        rows=grid.rows,
        columns=grid.columns,
        values=[[value(v) for v in row] for row in grid.values],
        row_label=_("Weekday"),
        column_label=_("Time of day"),
    )


def _busiest(rows: Sequence[str], columns: Sequence[str], values) -> str:
    cells = [
        (v, r, c)
        for r, row in zip(rows, values, strict=True)
        for c, v in zip(columns, row, strict=True)
        if isinstance(v, int)
    ]
    if not cells:
        return _("Events by weekday and time of day.")
    count, row, column = max(cells, key=lambda cell: cell[0])
    return _(
        "Most events on %(weekday)s, %(time)s: %(count)s.", weekday=row, time=column, count=count
    )


def _areas(found: PictureFigures) -> BarChart:
    rows = found.by_area[:AREA_BARS]
    return BarChart(
        title=_("Events by area"),
        description=_(
            "%(n)s areas; the most events in %(area)s (%(count)s).",
            n=len(found.by_area),
            area=rows[0].area,
            count=rows[0].count,
        ),
        categories=[r.area or _("No area given") for r in rows],
        series=[Series(_("Number of events"), [value(r.count) for r in rows])],
        category_label=_("Area"),
    )


def _comparison(found: PictureFigures) -> BarChart:
    compared = found.comparison
    changes = compared.changes
    return BarChart(
        title=_("Compared with the previous period"),
        description=" ".join(change.sentence + "." for change in changes),
        categories=[c.label for c in changes],
        series=[
            Series(_("Previous period"), [c.before for c in changes]),
            Series(_("This period"), [c.after for c in changes]),
        ],
        category_label=_("Category"),
    )


# --- the map of areas ----------------------------------------------------------------------


def area_figures(session: Session, picture: Record) -> list[AreaFigure]:
    """The picture's events per area of the register that has a border (places reported as
    free text have none: they stay in the area chart and its table)."""
    counts = dict(
        session.execute(
            select(PictureFigure.area_id, func.sum(PictureFigure.count))
            .where(
                PictureFigure.record_id == picture.id,
                PictureFigure.dimension == AREA_FIGURES,
                PictureFigure.area_id.is_not(None),
            )
            .group_by(PictureFigure.area_id)
        ).all()
    )
    if not counts:
        return []
    areas = list(session.scalars(select(Area).where(Area.id.in_(counts)).order_by(Area.name)))
    borders = current_geometries(session, areas)
    return [
        AreaFigure(area.name, borders[area.id], int(counts[area.id]))
        for area in areas
        if area.id in borders
    ]


def _map_words(found: list[AreaFigure]) -> tuple[str, str]:
    top = max(found, key=lambda f: f.value or 0)
    return _("Events by area on the map"), _(
        "%(n)s areas on the map; the most events in %(area)s (%(count)s).",
        n=len(found),
        area=top.name,
        count=top.value,
    )


def area_map(found: list[AreaFigure]) -> MapData | None:
    """The interactive map's data (the page), or None without areas that have a border."""
    if not found:
        return None
    title, description = _map_words(found)
    return area_map_data(
        title,
        description,
        found,
        unit=_("events"),
        value_heading=_("Number of events"),
        locale=str(get_locale() or "sv"),
    )


def static_area_map(found: list[AreaFigure]) -> RenderedChart | None:
    """The same map drawn on the server (the PDF), or None."""
    if not found:
        return None
    title, description = _map_words(found)
    return render(
        AreaMap(
            title=title,
            description=description,
            features=[MapFeature(f.name, f.geometry, f.value) for f in found],
            unit=_("events"),
            area_label=_("Area"),
        )
    )
