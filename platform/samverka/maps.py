"""The figures an area map shows: areas with a polygon and a number, a choropleth
classification with nice breaks, and the GeoJSON the page's map script reads.

Pure data (no Flask, no database): a service builds a :class:`MapData` from its figures
with :func:`area_map_data`; the web macro ``maps/area_map.html`` draws it (Leaflet, with the
same numbers in a table) and the PDF's static rendering can read the same object. Suppressed
figures (fewer than the disclosure threshold) and missing ones get no class, so nothing on the
map hints at a suppressed number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal

MAX_CLASSES = 7  # the palette's shades (static/areamap.css); more classes blur together
NICE_STEPS = (1, 2, 2.5, 5, 10)


@dataclass(frozen=True)
class MapArea:
    """One area on the map. ``display`` is the text shown for the figure ("13", "<5", "–");
    ``css_class`` its choropleth class (0 is the lightest), None when suppressed or missing."""

    name: str
    geometry: Mapping[str, Any]  # a GeoJSON Polygon or MultiPolygon, [longitude, latitude]
    value: float | None
    display: str
    css_class: int | None = None
    suppressed: bool = False


@dataclass(frozen=True)
class MapClass:
    """One class of the legend: values from ``lower`` up to ``upper`` (both shown; for whole
    numbers ``upper`` is the last whole number in the class), drawn in palette ``shade``."""

    index: int
    lower: float
    upper: float
    shade: int


@dataclass(frozen=True)
class Classification:
    """The classes, and each value's class (None for a suppressed or missing value)."""

    classes: tuple[MapClass, ...]
    of_values: tuple[int | None, ...]


@dataclass(frozen=True)
class MapData:
    """What the macro ``area_map`` draws: a title (the heading), a text description (what
    the map shows, for everyone who does not see it), the areas and the legend's classes.
    ``unit`` follows each figure in the areas' accessible names ("Råda: 13 händelser");
    ``value_heading`` heads the table's figure column; ``suppression_threshold`` is named in
    the legend ("fewer than 5 (hidden)")."""

    title: str
    description: str
    features: tuple[MapArea, ...]
    classes: tuple[MapClass, ...] = ()
    unit: str = ""
    value_heading: str = ""
    suppression_threshold: int = 5

    @property
    def has_suppressed(self) -> bool:
        return any(area.suppressed for area in self.features)

    @property
    def has_missing(self) -> bool:
        return any(area.value is None and not area.suppressed for area in self.features)

    def shade_of(self, area: MapArea) -> int | None:
        """The palette shade the area is drawn in (the legend's classes map to shades)."""
        if area.css_class is None:
            return None
        return self.classes[area.css_class].shade

    def feature_collection(self) -> dict[str, Any]:
        """The GeoJSON FeatureCollection ``static/areamap.js`` reads: per feature ``name``,
        ``value``, ``display``, ``class``, ``shade`` and ``suppressed``."""
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": dict(area.geometry),
                    "properties": {
                        "name": area.name,
                        "value": area.value,
                        "display": area.display,
                        "class": area.css_class,
                        "shade": self.shade_of(area),
                        "suppressed": area.suppressed,
                    },
                }
                for area in self.features
            ],
        }


def nice_step(span: float, whole: bool) -> float:
    """The smallest "nice" class width (1, 2, 2.5 or 5 times a power of ten) at least
    ``span``; whole numbers get whole widths (no 2.5, nothing under 1)."""
    if span <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(span))
    for factor in NICE_STEPS:
        step = factor * magnitude
        if whole and (step < 1 or step != int(step)):
            continue
        if step >= span - 1e-9:
            return float(step)
    return float(10 * magnitude)


def classify(values: Sequence[float | None], n: int = 5) -> Classification:
    """Equal-width classes with nice breaks (0–4, 5–9, …) over the values that are shown.

    At most ``n`` classes (1..7), the first starting at the multiple of the class width at
    or below the smallest value (so counts from 0 to 23 give 0–4 … 20–24). Whole numbers
    get classes of whole numbers whose upper bound is the last number in the class; other
    values get half-open classes [lower, upper) except the last, which includes its upper
    bound. None gets no class.
    """
    if not 1 <= n <= MAX_CLASSES:
        raise ValueError(f"n must be between 1 and {MAX_CLASSES}, not {n}")
    shown = [float(v) for v in values if v is not None]
    if not shown:
        return Classification((), tuple(None for _ in values))
    whole = all(v == int(v) for v in shown)
    low, high = min(shown), max(shown)
    unit = 1.0 if whole else 0.0  # whole numbers: the class 0–4 holds five values
    step = nice_step((high - low + unit) / n, whole)
    while True:  # widen the step until n classes from a multiple of it cover the values
        start = math.floor(low / step) * step
        count = math.floor((high - start) / step) + 1
        if count <= n:
            break
        step = nice_step(step * 1.000001, whole)
    shades = _shades(count)
    classes = tuple(
        MapClass(
            index=i,
            lower=_tidy(start + i * step),
            upper=_tidy(start + (i + 1) * step - unit if whole else start + (i + 1) * step),
            shade=shades[i],
        )
        for i in range(count)
    )
    of_values = tuple(
        None if v is None else min(count - 1, int((float(v) - start) // step)) for v in values
    )
    return Classification(classes, of_values)


def _shades(count: int) -> list[int]:
    """Spread ``count`` classes over the palette's shades, lightest to darkest, so that two
    classes are as far apart in lightness as the palette allows (greyscale printing)."""
    if count == 1:
        return [MAX_CLASSES // 2]
    return [round(i * (MAX_CLASSES - 1) / (count - 1)) for i in range(count)]


def _tidy(number: float) -> float:
    """Round away the float noise of repeated steps (0.30000000000000004)."""
    return round(number, 9) + 0.0


def format_figure(value: float | None, locale: str = "sv") -> str:
    """A figure as text in the reader's language ("1 234", "2,5"); "–" for none."""
    if value is None:
        return "–"
    return format_decimal(value, locale=locale)


@dataclass(frozen=True)
class AreaFigure:
    """A service's input for one area: its name, polygon and figure. ``display`` overrides
    the formatted figure, e.g. "<5" for a suppressed count."""

    name: str
    geometry: Mapping[str, Any]
    value: float | None
    suppressed: bool = False
    display: str | None = None


def area_map_data(
    title: str,
    description: str,
    figures: Iterable[AreaFigure],
    *,
    classes: int = 5,
    unit: str = "",
    value_heading: str = "",
    suppression_threshold: int = 5,
    locale: str = "sv",
) -> MapData:
    """Classify the figures and build the map's data. A suppressed figure's value is
    dropped here (it never reaches the page), whatever the caller passed."""
    figures = list(figures)
    values = [None if f.suppressed else f.value for f in figures]
    classification = classify(values, classes)
    areas = tuple(
        MapArea(
            name=f.name,
            geometry=f.geometry,
            value=value,
            display=f.display if f.display is not None else format_figure(value, locale),
            css_class=css_class,
            suppressed=f.suppressed,
        )
        for f, value, css_class in zip(figures, values, classification.of_values, strict=True)
    )
    return MapData(
        title=title,
        description=description,
        features=areas,
        classes=classification.classes,
        unit=unit,
        value_heading=value_heading,
        suppression_threshold=suppression_threshold,
    )
