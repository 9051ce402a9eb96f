"""Checking an uploaded border before it is stored (GeoJSON, WGS84 lon/lat, inside Sweden).

The checks run cheapest first: the size before parsing, the JSON, the GeoJSON shape, the
geometry type, validity (shapely: no self-intersection, with GEOS' explanation), and last the
position against Sweden's outline (Natural Earth 1:50m, ``sweden.geojson``, built by
``assets/build.sh``), buffered because that outline is simplified along the coast and the
archipelagos. A bounding box would accept Oslo and Helsinki; the outline does not.
Every failure is a :class:`~samverka.errors.ValidationError` on the ``file`` field.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from flask_babel import lazy_gettext as _l
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from samverka.errors import ValidationError

MAX_BYTES = 5 * 1024 * 1024
#: Degrees added around Sweden's simplified outline (about 5 km north-south).
SWEDEN_MARGIN = 0.05
SWEDEN_FILE = Path(__file__).with_name("sweden.geojson")
FIELD = "file"
POLYGONS = ("Polygon", "MultiPolygon")


@lru_cache(maxsize=1)
def sweden() -> BaseGeometry:
    """Sweden's outline with a margin for coastal simplification, prepared for fast tests."""
    with SWEDEN_FILE.open(encoding="utf-8") as handle:
        outline = shape(json.load(handle)["geometry"]).buffer(SWEDEN_MARGIN)
    shapely.prepare(outline)
    return outline


def parse_boundary(raw: bytes | str) -> dict[str, Any]:
    """The GeoJSON geometry of an uploaded border, checked; raises ValidationError."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > MAX_BYTES:
        raise ValidationError(_l("The file may be at most 5 MB."), FIELD)
    if not raw.strip():
        raise ValidationError(_l("The file is empty."), FIELD)
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(_l("The file is not valid JSON (GeoJSON)."), FIELD) from None
    return check_geometry(geometry_of(document))


def check_geometry(geometry: Any) -> dict[str, Any]:
    """A Polygon or MultiPolygon that is valid and lies inside Sweden, normalised."""
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGONS:
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        raise ValidationError(
            _l(
                "The border must be a Polygon or MultiPolygon, not %(kind)s.",
                kind=kind or _l("nothing"),
            ),
            FIELD,
        )
    if not _rings_closed(geometry):
        raise ValidationError(
            _l(
                "Each ring of the border must be closed (the last position the same as the "
                "first) and have at least four positions."
            ),
            FIELD,
        )
    try:
        found = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, ShapelyError):
        raise ValidationError(_l("The border's coordinates cannot be read."), FIELD) from None
    if found.is_empty:
        raise ValidationError(_l("The border has no coordinates."), FIELD)
    if not shapely.is_valid(found):
        raise ValidationError(
            _l(
                "The border is not a valid polygon (%(reason)s).",
                reason=explain_validity(found),
            ),
            FIELD,
        )
    if not sweden().contains(found):
        raise ValidationError(
            _l(
                "The border lies outside Sweden. Give the coordinates as longitude, latitude "
                "(WGS84, EPSG:4326)."
            ),
            FIELD,
        )
    return json.loads(json.dumps(mapping(found)))  # tuples as lists, as stored


def _rings_closed(geometry: dict) -> bool:
    """RFC 7946 §3.1.6: a linear ring is closed, with four or more positions (shapely would
    close an open ring silently, so a truncated file would pass)."""
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    try:
        return all(
            len(ring) >= 4 and list(ring[0]) == list(ring[-1])
            for polygon in polygons
            for ring in polygon
        )
    except TypeError:
        return True  # not a list of rings: shapely's reading says what is wrong


def geometry_of(document: Any) -> Any:
    """The geometry of a Feature, of a FeatureCollection with one feature, or bare."""
    if not isinstance(document, dict):
        raise ValidationError(_l("The file is not a GeoJSON object."), FIELD)
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise ValidationError(
                _l("A FeatureCollection must hold exactly one feature (one area)."), FIELD
            )
        document = features[0]
        kind = document.get("type") if isinstance(document, dict) else None
    if kind == "Feature":
        return document.get("geometry")
    return document
