"""Line charts: one line per series, told apart by line style and marker as well as by
shade; a missing or suppressed point breaks the line and says "–" or "<5" in text."""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from samverka.charts import palette
from samverka.charts.figures import legend_below, new_figure, note_handles, value_axis
from samverka.charts.numbers import decimals_for, number_text, value_text
from samverka.charts.specs import SUPPRESSED, LineChart, Value, all_values, numbers

LINE_COLOURS = ("#12436d", "#4a86c5", "#505a5f", "#0b0c0c")


def style(index: int) -> dict:
    return {
        "color": LINE_COLOURS[index % len(LINE_COLOURS)],
        "linestyle": palette.LINE_STYLES[index % len(palette.LINE_STYLES)],
        "marker": palette.LINE_MARKERS[index % len(palette.LINE_MARKERS)],
    }


def draw(chart: LineChart) -> Figure:
    figure = new_figure(3.2)
    axes = figure.add_subplot()
    paint(axes, chart)
    handles = []
    if len(chart.series) > 1:
        handles = [
            (Line2D([], [], linewidth=1.6, markersize=5, **style(i)), s.name)
            for i, s in enumerate(chart.series)
        ]
    legend_below(figure, handles + note_handles(all_values(chart)))
    return figure


def paint(axes: Axes, chart: LineChart, *, compact: bool = False) -> None:
    decimals = decimals_for(all_values(chart), chart.decimals)
    positions = list(range(len(chart.x_labels)))
    for index, series in enumerate(chart.series):
        heights = [v if isinstance(v, int | float) else math.nan for v in series.values]
        axes.plot(
            positions, heights, linewidth=1.6, markersize=3.5 if compact else 5, **style(index)
        )
        _gaps(axes, series.values, index)
        _last_value(axes, heights, decimals, compact)
    value_axis(axes.yaxis, decimals)
    found = numbers(all_values(chart))
    top = max([*found, chart.reference.value if chart.reference else 0, 0]) or 1
    axes.set_ylim(min([*found, 0]), top * 1.15)
    axes.grid(axis="y", color=palette.GRID, linewidth=0.5)
    axes.set_axisbelow(True)
    _x_labels(axes, chart.x_labels, compact)
    axes.set_xlim(-0.5, len(chart.x_labels) - 0.5)  # a missing last point still gets its "–"
    if chart.unit and not compact:
        axes.set_ylabel(chart.unit)
    if chart.x_label and not compact:
        axes.set_xlabel(chart.x_label)
    if chart.reference is not None:
        text = f"{chart.reference.label} {number_text(chart.reference.value, decimals)}"
        axes.axhline(chart.reference.value, color=palette.INK, linewidth=1.4, linestyle=(0, (6, 3)))
        axes.annotate(
            text,
            (1, chart.reference.value),
            xycoords=("axes fraction", "data"),
            xytext=(0, 3),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=9,
        )


def _gaps(axes: Axes, values: tuple[Value, ...], index: int) -> None:
    """ "<5" (suppressed) and "–" (no value) in text at the foot of the chart."""
    for position, value in enumerate(values):
        if value is None or value is SUPPRESSED:
            axes.annotate(
                value_text(value, 0),
                (position, 0),
                xytext=(0, 2 + 9 * index),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                color=palette.MUTED,
            )


def _last_value(axes: Axes, heights: list[float], decimals: int, compact: bool) -> None:
    for position in range(len(heights) - 1, -1, -1):
        if not math.isnan(heights[position]):
            axes.annotate(
                number_text(heights[position], decimals),
                (position, heights[position]),
                xytext=(0, 5),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8 if compact else 10,
            )
            return


def _x_labels(axes: Axes, labels: tuple[str, ...], compact: bool) -> None:
    positions = list(range(len(labels)))
    if compact and len(labels) > 2:
        axes.set_xticks([0, len(labels) - 1], [labels[0], labels[-1]], fontsize=8)
        return
    crowded = sum(len(label) for label in labels) > 48
    axes.set_xticks(positions, labels)
    if crowded:
        for text in axes.get_xticklabels():
            text.set_rotation(45)
            text.set_horizontalalignment("right")
            text.set_rotation_mode("anchor")
