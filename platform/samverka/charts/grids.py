"""Heat maps: a grid of cells (weekday × time of day), light → dark in five classes that a
greyscale print keeps, each cell's value written in it; a suppressed cell is neutral and
hatched with "<5", a missing one white with "–"."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from samverka.charts import palette
from samverka.charts.figures import (
    class_handles,
    class_of,
    classes,
    legend_below,
    new_figure,
    note_handles,
)
from samverka.charts.numbers import decimals_for, value_text
from samverka.charts.specs import SUPPRESSED, HeatMap, Value, all_values


def cell_style(value: Value, bins, colours) -> tuple[str, str]:
    """(fill, hatch) of a cell."""
    if value is SUPPRESSED:
        return palette.NEUTRAL, palette.NEUTRAL_HATCH
    if value is None:
        return palette.BACKGROUND, ""
    return colours[class_of(value, bins)], ""


def draw(chart: HeatMap) -> Figure:
    values = all_values(chart)
    decimals = decimals_for(values, chart.decimals)
    bins = classes(values, decimals)
    colours = palette.sequential(len(bins))
    rows, columns = len(chart.rows), len(chart.columns)
    figure = new_figure(1.1 + 0.34 * rows)
    axes = figure.add_subplot()
    fontsize = 10 if columns <= 8 else 8 if columns <= 14 else 6.5
    for r, row in enumerate(chart.values):
        for c, value in enumerate(row):
            fill, hatch = cell_style(value, bins, colours)
            axes.add_patch(
                Rectangle(
                    (c, r),
                    1,
                    1,
                    facecolor=fill,
                    hatch=hatch,
                    edgecolor=palette.BACKGROUND if not hatch else palette.MUTED,
                    linewidth=0.8 if not hatch else 0.4,
                )
            )
            text = value_text(value, decimals)
            colour = palette.text_on(fill) if value is not SUPPRESSED else palette.INK
            axes.text(
                c + 0.5, r + 0.5, text, ha="center", va="center", color=colour, fontsize=fontsize
            )
    axes.set_xlim(0, columns)
    axes.set_ylim(rows, 0)
    axes.set_xticks(
        [c + 0.5 for c in range(columns)], chart.columns, fontsize=10 if columns <= 8 else 8
    )
    axes.set_yticks([r + 0.5 for r in range(rows)], chart.rows)
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    if columns > 8:
        for text in axes.get_xticklabels():
            text.set_rotation(90)
    if chart.column_label:
        axes.set_xlabel(chart.column_label)
    if chart.row_label:
        axes.set_ylabel(chart.row_label)
    legend_below(figure, class_handles(bins, colours, decimals) + note_handles(values), 3)
    return figure
