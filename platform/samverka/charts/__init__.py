"""One chart service for the core and its modules (issue 16), on matplotlib.

Describe a chart with a specification (``BarChart``, ``LineChart``, ``SmallMultiples``,
``HeatMap``, ``AreaMap`` of ``MapFeature``s), then ``render`` it: an inline, accessible SVG
(``role="img"``, title and description, text kept as text, nothing said by colour alone,
greyscale-safe shades and hatches), a description in words and the same numbers as a
table, formatted for the locale. Values are numbers, ``None`` ("–") or ``SUPPRESSED``
("<5": never drawn as a size). Pages show it with the macro
``charts/figure.html:chart_figure``; PDFs through ``samverka.exports.Section(charts=...)``.

Why matplotlib: a well-kept library with no JavaScript engine in the server, hatch
patterns for greyscale, polygons for a static map without a projection library; used only
through its object-oriented API (``Figure`` and the SVG backend), never ``pyplot``.
"""

from samverka.charts.render import RenderedChart, render
from samverka.charts.specs import (
    SUPPRESSED,
    AreaMap,
    BarChart,
    Chart,
    HeatMap,
    LineChart,
    MapFeature,
    Reference,
    Series,
    SmallMultiples,
    Suppressed,
    Value,
)
from samverka.charts.tables import ChartTable

__all__ = [
    "SUPPRESSED",
    "AreaMap",
    "BarChart",
    "Chart",
    "ChartTable",
    "HeatMap",
    "LineChart",
    "MapFeature",
    "Reference",
    "RenderedChart",
    "Series",
    "SmallMultiples",
    "Suppressed",
    "Value",
    "render",
]
