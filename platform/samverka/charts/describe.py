"""A chart in words, for a screen-reader user (the SVG's ``<desc>`` and the text under the
chart): the caller's sentence, then what the chart shows, with the same number texts as
the chart and its table ("<5" for a suppressed count, never the count)."""

from __future__ import annotations

from flask_babel import gettext

from samverka.charts.numbers import decimals_for, value_text
from samverka.charts.specs import (
    SUPPRESSED,
    AreaMap,
    BarChart,
    Chart,
    HeatMap,
    LineChart,
    Series,
    SmallMultiples,
    all_values,
)

LISTED = 24  # longer lists name the highest values only


def describe(chart: Chart) -> str:
    summary = _summary(chart)
    return " ".join(part for part in (chart.description.strip(), summary) if part)


def _summary(chart: Chart) -> str:
    if isinstance(chart, SmallMultiples):
        return " ".join(_panel(p) for p in chart.panels)
    decimals = decimals_for(all_values(chart), getattr(chart, "decimals", None))
    if isinstance(chart, BarChart):
        return _pairs(chart.categories, chart.series, decimals)
    if isinstance(chart, LineChart):
        return " ".join(_line(chart.x_labels, s, decimals) for s in chart.series)
    if isinstance(chart, HeatMap):
        cells = [
            (f"{row} {column}", value)
            for row, values in zip(chart.rows, chart.values, strict=True)
            for column, value in zip(chart.columns, values, strict=True)
        ]
        return _highest(cells, decimals)
    assert isinstance(chart, AreaMap)
    cells = [(f.name, f.value) for f in chart.features]
    if len(cells) > LISTED:
        return _highest(cells, decimals)
    return _list(cells, decimals)


def _panel(panel: BarChart | LineChart) -> str:
    """A panel's summary, named by its title unless its one series already says it."""
    summary = _summary(panel)
    if len(panel.series) == 1 and panel.series[0].name == panel.title:
        return summary
    return f"{panel.title}: {summary}"


def _list(cells, decimals: int) -> str:
    return "; ".join(f"{label}: {value_text(value, decimals)}" for label, value in cells) + "."


def _pairs(labels, series: tuple[Series, ...], decimals: int) -> str:
    if len(series) == 1:
        return _list(list(zip(labels, series[0].values, strict=True)), decimals)
    parts = []
    for i, label in enumerate(labels):
        values = ", ".join(f"{s.name} {value_text(s.values[i], decimals)}" for s in series)
        parts.append(f"{label}: {values}")
    return "; ".join(parts) + "."


def _line(labels, series: Series, decimals: int) -> str:
    points = [(label, v) for label, v in zip(labels, series.values, strict=True)]
    shown = [(label, v) for label, v in points if v is not None and v is not SUPPRESSED]
    if not shown:
        return gettext("%(name)s: no value shown.", name=series.name)
    (first_label, first), (last_label, last) = shown[0], shown[-1]
    high_label, high = max(shown, key=lambda p: p[1])
    text = gettext(
        "%(name)s: from %(first)s (%(first_label)s) to %(last)s (%(last_label)s), highest "
        "%(high)s (%(high_label)s).",
        name=series.name,
        first=value_text(first, decimals),
        first_label=first_label,
        last=value_text(last, decimals),
        last_label=last_label,
        high=value_text(high, decimals),
        high_label=high_label,
    )
    hidden = [label for label, v in points if v is SUPPRESSED]
    if hidden:
        text += " " + gettext("<5 in %(labels)s.", labels=", ".join(hidden))
    return text


def _highest(cells, decimals: int) -> str:
    shown = sorted(
        ((label, v) for label, v in cells if v is not None and v is not SUPPRESSED),
        key=lambda c: -c[1],
    )
    if not shown:
        return gettext("No value shown.")
    top = "; ".join(f"{label}: {value_text(v, decimals)}" for label, v in shown[:3])
    text = gettext("Highest: %(cells)s.", cells=top)
    hidden = sum(1 for _label, v in cells if v is SUPPRESSED)
    if hidden:
        text += " " + gettext("Cells shown as <5: %(count)s.", count=hidden)
    return text
