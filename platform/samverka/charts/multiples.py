"""Small multiples: one small panel per chart (e.g. 12 months per category), on one value
scale, so that panels compare at a glance."""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from samverka.charts import bars, lines
from samverka.charts.figures import legend_below, new_figure, note_handles
from samverka.charts.specs import BarChart, SmallMultiples, all_values, numbers


def draw(chart: SmallMultiples) -> Figure:
    count = len(chart.panels)
    columns = max(1, min(chart.columns, count))
    rows = math.ceil(count / columns)
    figure = new_figure(0.4 + 1.8 * rows)
    grid = figure.subplots(rows, columns, sharey=True, squeeze=False)
    found = numbers(all_values(chart))
    top = (max([*found, 0]) or 1) * 1.25
    for index, axes in enumerate(grid.flat):
        if index >= count:
            axes.set_axis_off()
            continue
        panel = chart.panels[index]
        if isinstance(panel, BarChart):
            bars.paint(axes, panel, False, compact=True)
        else:
            lines.paint(axes, panel, compact=True)
        axes.set_ylim(min([*found, 0]), top)
        axes.set_title(panel.title, fontsize=10)
        if index % columns:
            axes.tick_params(axis="y", labelleft=False)
    legend_below(figure, note_handles(all_values(chart)))
    return figure
