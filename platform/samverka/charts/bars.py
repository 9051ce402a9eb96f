"""Bar charts: one series as simple bars, several as grouped bars; horizontal when the
labels are long. Every bar carries its value in text; a suppressed or missing value draws
no bar, only "<5" or "–" at the base."""

from __future__ import annotations

import textwrap

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from samverka.charts import palette
from samverka.charts.figures import legend_below, new_figure, note_handles, value_axis
from samverka.charts.numbers import decimals_for, number_text, value_text
from samverka.charts.specs import BarChart, all_values, numbers

GROUP = 0.8  # of each category's slot


def horizontal(chart: BarChart) -> bool:
    """Long or many labels read better beside horizontal bars than under vertical ones."""
    crowded = len(chart.categories) * len(chart.series) > 14
    return crowded or any(len(label) > 10 for label in chart.categories)


def draw(chart: BarChart) -> Figure:
    sideways = horizontal(chart)
    slots = len(chart.categories) * max(1.0, 0.75 * len(chart.series))
    height = max(1.8, 0.7 + 0.3 * slots) if sideways else 3.2
    figure = new_figure(height)
    axes = figure.add_subplot()
    paint(axes, chart, sideways)
    handles = []
    if len(chart.series) > 1:
        for index, series in enumerate(chart.series):
            colour, hatch = palette.series_style(index)
            patch = Patch(facecolor=colour, hatch=hatch, edgecolor=palette.INK, linewidth=0.6)
            handles.append((patch, series.name))
    legend_below(figure, handles + note_handles(all_values(chart)))
    return figure


def paint(axes: Axes, chart: BarChart, sideways: bool, *, compact: bool = False) -> None:
    """The bars, their value labels and the reference line on ``axes``."""
    decimals = decimals_for(all_values(chart), chart.decimals)
    count = len(chart.series)
    width = GROUP / count
    for index, series in enumerate(chart.series):
        colour, hatch = palette.series_style(index)
        offset = -GROUP / 2 + width * (index + 0.5)
        for position, value in enumerate(series.values):
            where = position + offset
            text = value_text(value, decimals)
            size = value if isinstance(value, int | float) else 0
            if isinstance(value, int | float):
                bar = axes.barh if sideways else axes.bar
                bar(
                    where,
                    value,
                    width * 0.92,
                    color=colour,
                    hatch=hatch,
                    edgecolor=palette.INK,
                    linewidth=0.6,
                )
            _label(axes, where, size, text, sideways, small=compact or count > 2)
    _axes(axes, chart, sideways, decimals, compact)


def _label(axes: Axes, where: float, size: float, text: str, sideways: bool, small: bool) -> None:
    below = size < 0
    fontsize = 8 if small else 10
    if sideways:
        axes.annotate(
            text,
            (size, where),
            xytext=(-3 if below else 3, 0),
            textcoords="offset points",
            ha="right" if below else "left",
            va="center",
            fontsize=fontsize,
        )
    else:
        axes.annotate(
            text,
            (where, size),
            xytext=(0, -3 if below else 3),
            textcoords="offset points",
            ha="center",
            va="top" if below else "bottom",
            fontsize=fontsize,
        )


def _axes(axes: Axes, chart: BarChart, sideways: bool, decimals: int, compact: bool) -> None:
    found = numbers(all_values(chart))
    reference = chart.reference.value if chart.reference else None
    top = max([*found, reference or 0, 0]) or 1
    bottom = min([*found, reference or 0, 0])
    span = top - bottom
    limits = (bottom - (0.15 * span if bottom < 0 else 0), top + 0.15 * span)
    positions = range(len(chart.categories))
    labels = [textwrap.fill(c, 26) for c in chart.categories]
    value = axes.xaxis if sideways else axes.yaxis
    value_axis(value, decimals)
    if sideways:
        axes.set_xlim(*limits)
        axes.set_yticks(list(positions), labels)
        axes.set_ylim(len(chart.categories) - 0.5, -0.5)  # first on top; room for every slot
        axes.grid(axis="x", color=palette.GRID, linewidth=0.5)
        if chart.unit:
            axes.set_xlabel(chart.unit)
    else:
        axes.set_ylim(*limits)
        axes.set_xticks(list(positions), labels, fontsize=8 if compact else None)
        axes.set_xlim(-0.5, len(chart.categories) - 0.5)  # room for a slot without a bar
        axes.grid(axis="y", color=palette.GRID, linewidth=0.5)
        if chart.unit and not compact:
            axes.set_ylabel(chart.unit)
    axes.set_axisbelow(True)
    if chart.reference is not None:
        _reference(axes, chart, sideways, decimals)


def _reference(axes: Axes, chart: BarChart, sideways: bool, decimals: int) -> None:
    reference = chart.reference
    assert reference is not None
    text = f"{reference.label} {number_text(reference.value, decimals)}"
    style = {"color": palette.INK, "linewidth": 1.4, "linestyle": (0, (6, 3))}
    if sideways:
        axes.axvline(reference.value, **style)
        axes.annotate(
            text,
            (reference.value, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -2),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=9,
        )
    else:
        axes.axhline(reference.value, **style)
        axes.annotate(
            text,
            (1, reference.value),
            xycoords=("axes fraction", "data"),
            xytext=(0, 3),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=9,
        )
