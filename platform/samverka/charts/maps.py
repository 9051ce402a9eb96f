"""A static choropleth for the PDF: the areas' polygons on a plain background (no tiles, no
projection library: longitude scaled by cos(latitude), which is true enough for a
municipality), light → dark by class, each area labelled with its name and value."""

from __future__ import annotations

import itertools
import math

from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path

from samverka.charts import palette
from samverka.charts.figures import (
    class_handles,
    classes,
    legend_below,
    new_figure,
    note_handles,
)
from samverka.charts.grids import cell_style
from samverka.charts.numbers import decimals_for, value_text
from samverka.charts.specs import AreaMap, Polygon, Ring, all_values

Point = tuple[float, float]


def draw(chart: AreaMap) -> Figure:
    values = all_values(chart)
    decimals = decimals_for(values, chart.decimals)
    bins = classes(values, decimals)
    colours = palette.sequential(len(bins))
    rings = [ring for f in chart.features for polygon in f.geometry for ring in polygon]
    lats = [lat for ring in rings for _lon, lat in ring]
    scale = math.cos(math.radians((min(lats) + max(lats)) / 2))
    xs = [lon * scale for ring in rings for lon, _lat in ring]
    ratio = (max(lats) - min(lats)) / ((max(xs) - min(xs)) or 1)
    figure = new_figure(min(5.0, max(2.6, 5.0 * ratio)) + 0.5)
    axes = figure.add_subplot()
    for feature in chart.features:
        fill, hatch = cell_style(feature.value, bins, colours)
        for polygon in feature.geometry:
            axes.add_patch(
                PathPatch(
                    _path(polygon, scale),
                    facecolor=fill,
                    hatch=hatch,
                    edgecolor=palette.INK,
                    linewidth=0.8,
                )
            )
    for feature in chart.features:
        x, y = label_point(max(feature.geometry, key=lambda p: abs(_area(p[0]))), scale)
        axes.text(
            x,
            y,
            f"{feature.name}\n{value_text(feature.value, decimals)}",
            ha="center",
            va="center",
            fontsize=9,
            linespacing=1.1,
            bbox={
                "boxstyle": "round,pad=0.2",
                "facecolor": palette.BACKGROUND,
                "edgecolor": palette.MUTED,
                "linewidth": 0.5,
                "alpha": 0.9,
            },
        )
    axes.set_xlim(min(xs), max(xs))
    axes.set_ylim(min(lats), max(lats))
    axes.set_aspect("equal")
    axes.margins(0.04)
    axes.set_axis_off()
    if chart.attribution:
        axes.annotate(
            chart.attribution,
            (1, 0),
            xycoords="axes fraction",
            ha="right",
            va="top",
            fontsize=7,
            color=palette.MUTED,
            xytext=(0, -2),
            textcoords="offset points",
        )
    legend_below(figure, class_handles(bins, colours, decimals) + note_handles(values), 4)
    return figure


def _path(polygon: Polygon, scale: float) -> Path:
    return Path.make_compound_path(
        *(Path([(lon * scale, lat) for lon, lat in ring], closed=True) for ring in polygon)
    )


def _area(ring: Ring) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2


def label_point(polygon: Polygon, scale: float) -> Point:
    """Where a polygon's label goes: its centroid when that lies inside, else the middle of
    the widest stretch inside the polygon along the centroid's latitude."""
    outer = [(lon * scale, lat) for lon, lat in polygon[0]]
    area = _area(tuple(outer)) or 1e-12
    cx = sum((a[0] + b[0]) * (a[0] * b[1] - b[0] * a[1]) for a, b in itertools.pairwise(outer))
    cy = sum((a[1] + b[1]) * (a[0] * b[1] - b[0] * a[1]) for a, b in itertools.pairwise(outer))
    centre = (cx / (6 * area), cy / (6 * area))
    shape = _path(polygon, scale)
    if shape.contains_point(centre):
        return centre
    crossings = sorted(
        a[0] + (centre[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
        for ring in polygon
        for a, b in zip(*_shifted([(lon * scale, lat) for lon, lat in ring]), strict=False)
        if (a[1] <= centre[1]) != (b[1] <= centre[1])
    )
    stretches = list(zip(crossings[::2], crossings[1::2], strict=False))
    if not stretches:
        return centre
    left, right = max(stretches, key=lambda s: s[1] - s[0])
    return ((left + right) / 2, centre[1])


def _shifted(ring: list[Point]) -> tuple[list[Point], list[Point]]:
    return ring, [*ring[1:], ring[0]]
