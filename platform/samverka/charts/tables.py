"""A chart's numbers as a table (headers and rows of cells already formatted for the
locale): the same texts as in the chart, "<5" and "–" included, for the page and the PDF."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

from samverka.charts.numbers import decimals_for, value_text
from samverka.charts.specs import (
    AreaMap,
    BarChart,
    Chart,
    HeatMap,
    LineChart,
    SmallMultiples,
    all_values,
)


@dataclass(frozen=True)
class ChartTable:
    """The first cell of each row heads it; the other cells are numbers."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def table_of(chart: Chart) -> ChartTable:
    caption = chart.title
    unit = getattr(chart, "unit", "")
    if unit:
        caption = f"{caption} ({unit})"
    if isinstance(chart, BarChart):
        headers, rows = _series_table(chart, chart.categories, chart.category_label)
    elif isinstance(chart, LineChart):
        headers, rows = _series_table(chart, chart.x_labels, chart.x_label)
    elif isinstance(chart, SmallMultiples):
        headers, rows = _panels_table(chart)
    elif isinstance(chart, HeatMap):
        decimals = decimals_for(all_values(chart), chart.decimals)
        headers = (chart.row_label or gettext("Category"), *chart.columns)
        rows = tuple(
            (label, *(value_text(v, decimals) for v in values))
            for label, values in zip(chart.rows, chart.values, strict=True)
        )
    else:
        headers, rows = _areas_table(chart)
    return ChartTable(caption, tuple(headers), tuple(rows))


def _series_table(chart: BarChart | LineChart, labels, label: str):
    decimals = decimals_for(all_values(chart), chart.decimals)
    headers = (label or gettext("Category"), *(s.name for s in chart.series))
    rows = tuple(
        (name, *(value_text(s.values[i], decimals) for s in chart.series))
        for i, name in enumerate(labels)
    )
    return headers, rows


def _panels_table(chart: SmallMultiples):
    """One row per panel and series; one column per label when the panels share them."""
    decimals = decimals_for(all_values(chart), None)
    labels = [p.x_labels if isinstance(p, LineChart) else p.categories for p in chart.panels]
    if all(one == labels[0] for one in labels):
        rows = []
        for panel in chart.panels:
            for series in panel.series:
                name = panel.title if len(panel.series) == 1 else f"{panel.title}: {series.name}"
                rows.append((name, *(value_text(v, decimals) for v in series.values)))
        return (gettext("Chart"), *labels[0]), tuple(rows)
    rows = [
        (f"{panel.title}: {series.name}", label, value_text(value, decimals))
        for panel, names in zip(chart.panels, labels, strict=True)
        for series in panel.series
        for label, value in zip(names, series.values, strict=True)
    ]
    return (gettext("Chart"), gettext("Label"), gettext("Value")), tuple(rows)


def _areas_table(chart: AreaMap):
    decimals = decimals_for(all_values(chart), chart.decimals)
    headers = (chart.area_label or gettext("Area"), chart.unit or gettext("Value"))
    rows = tuple((f.name, value_text(f.value, decimals)) for f in chart.features)
    return headers, rows
