"""The register of areas of the demo's municipalities: the places the demo's reporting rounds
name (:data:`samverka.demo.rounds.MUNICIPALITIES`), each with a simplified border: an
octagon of the given radius around the place's real position (WGS84), enough for a map of
the picture and checked like any upload (inside Sweden, valid).

Idempotent: an area that exists keeps its border; a missing one is added with its border.
"""

from __future__ import annotations

import math

from sqlalchemy.orm import Session

from samverka.areas import services as areas
from samverka.tenants.models import Tenant

#: slug → [(name, kind, latitude, longitude, radius in km)]
PLACES: dict[str, list[tuple[str, str, float, float, float]]] = {
    "sunne": [
        ("Centrum", "district", 59.837, 13.143, 1.0),
        ("Lysvik", "village", 60.012, 13.128, 2.0),
        ("Rottneros", "village", 59.797, 13.118, 1.5),
        ("Västra Ämtervik", "village", 59.735, 13.068, 2.0),
        ("Resecentrum", "other", 59.8345, 13.1400, 0.3),
    ],
    "torsby": [
        ("Centrum", "district", 60.134, 13.003, 1.0),
        ("Östmark", "village", 60.283, 12.765, 2.5),
        ("Sysslebäck", "village", 60.728, 12.870, 2.0),
        ("Stöllet", "village", 60.406, 13.262, 2.0),
        ("Torsby busstation", "other", 60.1315, 13.0020, 0.3),
    ],
    "hagfors": [
        ("Centrum", "district", 60.030, 13.690, 1.2),
        ("Ekshärad", "village", 60.174, 13.489, 2.0),
        ("Råda", "village", 60.000, 13.600, 1.5),
        ("Sunnemo", "village", 59.887, 13.707, 2.0),
        ("Älvstranden", "district", 60.034, 13.671, 0.4),
    ],
    "munkfors": [
        ("Centrum", "district", 59.838, 13.544, 0.8),
        ("Ransäter", "village", 59.772, 13.440, 1.5),
        ("Ängarna", "district", 59.846, 13.532, 0.5),
        ("Folkets park", "other", 59.832, 13.551, 0.3),
    ],
}
KM_PER_DEGREE = 111.32


def octagon(latitude: float, longitude: float, radius_km: float) -> dict:
    """A GeoJSON Polygon: eight corners ``radius_km`` around the point (lon/lat order)."""
    dy = radius_km / KM_PER_DEGREE
    dx = dy / math.cos(math.radians(latitude))
    ring = [
        [
            round(longitude + dx * math.cos(math.pi * k / 4), 5),
            round(latitude + dy * math.sin(math.pi * k / 4), 5),
        ]
        for k in range(8)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def seed_areas(session: Session, tenant: Tenant, user=None) -> int:
    """The tenant's demo areas with borders (in the caller's scope of ``tenant``); returns
    how many were added."""
    added = 0
    for name, kind, latitude, longitude, radius in PLACES.get(tenant.slug, []):
        area = areas.find_by_name(session, tenant, name)
        if area is None:
            area = areas.create_area(session, tenant, name, kind, user)
            added += 1
        if areas.current_boundary(session, area) is None:
            areas.set_geometry(session, area, octagon(latitude, longitude, radius), user)
    return added
