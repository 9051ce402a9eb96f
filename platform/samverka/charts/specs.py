"""Chart specifications: what to draw, not how. Frozen and hashable, so that a rendering
can be cached by its specification (``render``), and built by services without matplotlib.

Lists given by callers are stored as tuples and every label as a plain ``str`` (a lazy
translation is resolved when the specification is made, in the caller's locale).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union


class Suppressed(enum.Enum):
    """A small count (1–4) hidden by the suppression rules of the situation picture (or a
    cell hidden so that one cannot be worked out). Never drawn as a size: no bar, a neutral
    hatched cell, and the text "<5" in the chart, the table and the description."""

    SUPPRESSED = "<5"

    def __repr__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED = Suppressed.SUPPRESSED
Value = Union[int, float, None, Suppressed]  # noqa: UP007 - a runtime alias, readable as a type


def _value(value: Any) -> Value:
    """A checked value: numbers (not booleans, not NaN), None or SUPPRESSED."""
    if value is None or value is SUPPRESSED:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"a chart value must be a number, None or SUPPRESSED, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"a chart value must be finite, not {value!r}")
    return value


def _texts(items: Sequence[Any]) -> tuple[str, ...]:
    return tuple(str(item) for item in items)


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)  # frozen dataclasses normalise in __post_init__


@dataclass(frozen=True)
class Series:
    """One named row of values (one bar per category, one line over the x labels)."""

    name: str
    values: Sequence[Value]

    def __post_init__(self) -> None:
        _set(self, "name", str(self.name))
        _set(self, "values", tuple(_value(v) for v in self.values))


@dataclass(frozen=True)
class Reference:
    """A labelled line across a bar or line chart (a target): said in text, not by colour."""

    value: float
    label: str

    def __post_init__(self) -> None:
        _set(self, "label", str(self.label))
        if _value(self.value) in (None, SUPPRESSED):
            raise ValueError("a reference line needs a number")


def _series(series: Sequence[Series], length: int, what: str) -> tuple[Series, ...]:
    out = tuple(series)
    if not out:
        raise ValueError("a chart needs at least one series")
    for one in out:
        if len(one.values) != length:
            raise ValueError(
                f"series {one.name!r} has {len(one.values)} values for {length} {what}"
            )
    return out


@dataclass(frozen=True)
class BarChart:
    """Bars per category; one series = simple bars, several = grouped bars (e.g. the
    previous period beside this one). Long labels turn the bars horizontal."""

    title: str
    description: str
    categories: Sequence[str]
    series: Sequence[Series]
    unit: str = ""
    category_label: str = ""
    decimals: int | None = None  # None: 0 when every value is an int, else 1
    reference: Reference | None = None

    def __post_init__(self) -> None:
        _set(self, "title", str(self.title))
        _set(self, "description", str(self.description))
        _set(self, "unit", str(self.unit))
        _set(self, "category_label", str(self.category_label))
        _set(self, "categories", _texts(self.categories))
        _set(self, "series", _series(self.series, len(self.categories), "categories"))


@dataclass(frozen=True)
class LineChart:
    """One line per series over ``x_labels`` (e.g. the last 12 months)."""

    title: str
    description: str
    x_labels: Sequence[str]
    series: Sequence[Series]
    unit: str = ""
    x_label: str = ""
    decimals: int | None = None
    reference: Reference | None = None

    def __post_init__(self) -> None:
        _set(self, "title", str(self.title))
        _set(self, "description", str(self.description))
        _set(self, "unit", str(self.unit))
        _set(self, "x_label", str(self.x_label))
        _set(self, "x_labels", _texts(self.x_labels))
        _set(self, "series", _series(self.series, len(self.x_labels), "x labels"))


@dataclass(frozen=True)
class SmallMultiples:
    """Several small charts on one scale (e.g. 12 months per category, one panel each)."""

    title: str
    description: str
    panels: Sequence[LineChart | BarChart]
    columns: int = 3

    def __post_init__(self) -> None:
        _set(self, "title", str(self.title))
        _set(self, "description", str(self.description))
        _set(self, "panels", tuple(self.panels))
        if not self.panels:
            raise ValueError("small multiples need at least one panel")
        if any(not isinstance(p, LineChart | BarChart) for p in self.panels):
            raise TypeError("a panel is a LineChart or a BarChart")


@dataclass(frozen=True)
class HeatMap:
    """Values in a grid (weekday × time of day), light → dark, each cell's value in text."""

    title: str
    description: str
    rows: Sequence[str]
    columns: Sequence[str]
    values: Sequence[Sequence[Value]]
    row_label: str = ""
    column_label: str = ""
    decimals: int | None = None

    def __post_init__(self) -> None:
        for name in ("title", "description", "row_label", "column_label"):
            _set(self, name, str(getattr(self, name)))
        _set(self, "rows", _texts(self.rows))
        _set(self, "columns", _texts(self.columns))
        grid = tuple(tuple(_value(v) for v in row) for row in self.values)
        if len(grid) != len(self.rows) or any(len(r) != len(self.columns) for r in grid):
            raise ValueError(
                f"a heat map needs {len(self.rows)} rows of {len(self.columns)} values"
            )
        _set(self, "values", grid)


Ring = tuple[tuple[float, float], ...]
Polygon = tuple[Ring, ...]  # the outer ring, then holes


def _ring(points: Any) -> Ring:
    ring = tuple((float(p[0]), float(p[1])) for p in points)
    if len(ring) < 4:
        raise ValueError("a polygon ring needs at least four positions")
    return ring


def polygons_of(geometry: Mapping[str, Any]) -> tuple[Polygon, ...]:
    """The polygons of a GeoJSON Polygon or MultiPolygon (lon/lat), as tuples."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        parts = [coordinates]
    elif kind == "MultiPolygon":
        parts = list(coordinates or [])
    else:
        raise ValueError(f"an area's geometry is a Polygon or MultiPolygon, not {kind!r}")
    polygons = tuple(tuple(_ring(ring) for ring in polygon) for polygon in parts)
    if not polygons or any(not polygon for polygon in polygons):
        raise ValueError("an area's geometry has no ring")
    return polygons


@dataclass(frozen=True)
class MapFeature:
    """An area: its name, its outline (GeoJSON Polygon/MultiPolygon in lon/lat, stored as
    tuples of polygons) and its value."""

    name: str
    geometry: Any  # a GeoJSON dict when made; tuple of polygons after
    value: Value

    def __post_init__(self) -> None:
        _set(self, "name", str(self.name))
        if isinstance(self.geometry, Mapping):
            _set(self, "geometry", polygons_of(self.geometry))
        _set(self, "value", _value(self.value))


@dataclass(frozen=True)
class AreaMap:
    """A static choropleth of areas on a plain background, each labelled with its value."""

    title: str
    description: str
    features: Sequence[MapFeature]
    unit: str = ""
    area_label: str = ""
    decimals: int | None = None
    attribution: str = field(default="")

    def __post_init__(self) -> None:
        for name in ("title", "description", "unit", "area_label", "attribution"):
            _set(self, name, str(getattr(self, name)))
        _set(self, "features", tuple(self.features))
        if not self.features:
            raise ValueError("a map needs at least one area")


Chart = BarChart | LineChart | SmallMultiples | HeatMap | AreaMap


def numbers(values: Sequence[Value]) -> list[float]:
    """The drawable values: numbers only (None and SUPPRESSED are never sizes)."""
    return [v for v in values if v is not None and v is not SUPPRESSED]  # type: ignore[misc]


def all_values(chart: Chart) -> list[Value]:
    """Every value of a chart, in order (for the number of decimals and the scales)."""
    if isinstance(chart, BarChart | LineChart):
        return [v for s in chart.series for v in s.values]
    if isinstance(chart, SmallMultiples):
        return [v for p in chart.panels for v in all_values(p)]
    if isinstance(chart, HeatMap):
        return [v for row in chart.values for v in row]
    return [f.value for f in chart.features]
