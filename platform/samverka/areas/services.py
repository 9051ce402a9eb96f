"""The register of areas: list, create, rename, archive, borders and their versions.

Who may read is decided by the session's scope (the owner and its consortium partners, see
:mod:`samverka.areas.models`); who may write is the caller's permission
(``tenant:areas:manage``) and, beneath it, the owner-only flush check and RLS policy. Every
change is audited in the same transaction; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.areas.geometry import check_geometry, geometry_of, parse_boundary
from samverka.areas.models import KINDS, Area, AreaBoundary
from samverka.audit import record_event
from samverka.errors import NotFound, ValidationError
from samverka.tenants.models import Tenant

NAME_MAX = 120
KIND_LABELS = {
    "district": _l("Urban district"),
    "village": _l("Village"),
    "school_catchment": _l("School catchment area"),
    "municipality": _l("Whole municipality"),
    "other": _l("Other"),
}
assert tuple(KIND_LABELS) == KINDS


def list_areas(session: Session, tenant: Tenant, *, archived: bool = False) -> list[Area]:
    """``tenant``'s areas by name: the live ones, or with ``archived`` the archived ones too.
    ``tenant`` may be a consortium partner of the scope (read-only)."""
    query = select(Area).where(Area.tenant_id == tenant.id)
    if not archived:
        query = query.where(Area.archived.is_(False))
    return list(session.scalars(query.order_by(func.lower(Area.name), Area.id)))


def get_area(session: Session, tenant: Tenant, area_id: int) -> Area:
    """One of ``tenant``'s areas (archived too); NotFound if absent or out of scope."""
    area = session.scalar(select(Area).where(Area.id == area_id, Area.tenant_id == tenant.id))
    if area is None:
        raise NotFound(f"No area {area_id}.")
    return area


def find_by_name(session: Session, tenant: Tenant, name: str) -> Area | None:
    """``tenant``'s live area of that name (case and spacing ignored), if any."""
    return _named(live_areas_of(session, tenant.id), name)


def _key(name: str | None) -> str:
    """A name compared as people read it. In Python, not SQL: SQLite's ``lower()`` folds
    ASCII only, so "Västra Ämtervik" would never match "västra ämtervik" there."""
    return " ".join((name or "").split()).casefold()


def _named(candidates: Iterable[Area], name: str | None) -> Area | None:
    wanted = _key(name)
    if not wanted:
        return None
    return next((area for area in candidates if _key(area.name) == wanted), None)


def create_area(
    session: Session, tenant: Tenant, name: Any, kind: Any = "other", user: Any = None
) -> Area:
    """A new live area; the name must be free among the tenant's live areas."""
    name, kind = _clean_name(name), _clean_kind(kind)
    _check_free(session, tenant, name)
    area = Area(tenant_id=tenant.id, name=name, kind=kind)
    session.add(area)
    session.flush()
    record_event(
        session,
        "area.create",
        tenant_id=tenant.id,
        target_type="area",
        target_id=area.id,
        details={"kind": kind},
    )
    return area


def update_area(session: Session, area: Area, name: Any, kind: Any) -> Area:
    """Rename an area or change its kind (archived areas are kept as they were)."""
    if area.archived:
        raise ValidationError(_l("An archived area cannot be changed."), "name")
    name, kind = _clean_name(name), _clean_kind(kind)
    _check_free(session, area, name)
    changed = [
        field for field, value in (("name", name), ("kind", kind)) if getattr(area, field) != value
    ]
    area.name, area.kind, area.updated_at = name, kind, clock.now()
    session.flush()
    record_event(
        session,
        "area.update",
        tenant_id=area.tenant_id,
        target_type="area",
        target_id=area.id,
        details={"fields": changed},
    )
    return area


def archive_area(session: Session, area: Area) -> Area:
    """Archive an area (kept for the reports and pictures that name it; its name is free)."""
    if not area.archived:
        area.archived, area.updated_at = True, clock.now()
        session.flush()
        record_event(
            session, "area.archive", tenant_id=area.tenant_id, target_type="area", target_id=area.id
        )
    return area


def set_boundary(session: Session, area: Area, raw: bytes | str, user: Any = None) -> AreaBoundary:
    """A new border from an uploaded GeoJSON file (checked, see :mod:`.geometry`)."""
    return set_geometry(session, area, parse_boundary(raw), user, checked=True)


def set_geometry(
    session: Session, area: Area, geometry: Any, user: Any = None, *, checked: bool = False
) -> AreaBoundary:
    """A new border version from a GeoJSON geometry; the current one is closed now."""
    if area.archived:
        raise ValidationError(_l("An archived area cannot be changed."), "file")
    geometry = geometry if checked else check_geometry(geometry_of(geometry))
    now = clock.now()
    previous = current_boundary(session, area)
    if previous is not None:
        previous.valid_to = now
    boundary = AreaBoundary(
        tenant_id=area.tenant_id,
        area_id=area.id,
        geometry=geometry,
        valid_from=now,
        uploaded_by_id=getattr(user, "id", None),
    )
    session.add(boundary)
    area.updated_at = now
    session.flush()
    record_event(
        session,
        "area.boundary",
        tenant_id=area.tenant_id,
        target_type="area",
        target_id=area.id,
        details={"boundary_id": boundary.id, "type": geometry["type"]},
    )
    return boundary


def current_boundary(session: Session, area: Area) -> AreaBoundary | None:
    return session.scalar(
        select(AreaBoundary).where(AreaBoundary.area_id == area.id, AreaBoundary.valid_to.is_(None))
    )


def boundary_history(session: Session, area: Area) -> list[AreaBoundary]:
    """Every version of the area's border, the newest first."""
    return list(
        session.scalars(
            select(AreaBoundary)
            .where(AreaBoundary.area_id == area.id)
            .order_by(AreaBoundary.valid_from.desc(), AreaBoundary.id.desc())
        )
    )


def get_boundary(session: Session, area: Area, boundary_id: int) -> AreaBoundary:
    found = session.scalar(
        select(AreaBoundary).where(AreaBoundary.id == boundary_id, AreaBoundary.area_id == area.id)
    )
    if found is None:
        raise NotFound(f"No border version {boundary_id}.")
    return found


def current_geometries(session: Session, areas: Iterable[Area]) -> dict[int, dict]:
    """The current border of each of ``areas`` that has one, by area id."""
    ids = [area.id for area in areas]
    if not ids:
        return {}
    rows = session.scalars(
        select(AreaBoundary).where(AreaBoundary.area_id.in_(ids), AreaBoundary.valid_to.is_(None))
    )
    return {row.area_id: row.geometry for row in rows}


def as_feature_collection(session: Session, areas: Sequence[Area]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``areas`` with their current borders (for maps); an
    area without a border is a feature with a null geometry."""
    geometries = current_geometries(session, areas)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": area.id,
                "geometry": geometries.get(area.id),
                "properties": {
                    "id": area.id,
                    "name": area.name,
                    "kind": area.kind,
                    "archived": area.archived,
                },
            }
            for area in areas
        ],
    }


def ensure_area(session: Session, tenant: Tenant, name: str, kind: str = "other") -> Area:
    """The live area of that name, created if missing (the demo, mapping free text)."""
    return find_by_name(session, tenant, name) or create_area(session, tenant, name, kind)


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def _clean_name(name: Any) -> str:
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not name:
        raise ValidationError(_l("Enter the area's name."), "name")
    if len(name) > NAME_MAX:
        raise ValidationError(_l("At most %(max)s characters.", max=NAME_MAX), "name")
    return name


def _clean_kind(kind: Any) -> str:
    if kind not in KINDS:
        raise ValidationError(_l("Choose a kind of area."), "kind")
    return kind


def _check_free(session: Session, owner: Tenant | Area, name: str) -> None:
    tenant_id = owner.tenant_id if isinstance(owner, Area) else owner.id
    taken = _named(live_areas_of(session, tenant_id), name)
    if taken is not None and taken is not owner:
        raise ValidationError(_l("There is already an area with that name."), "name")


def live_areas_of(session: Session, tenant_id: int) -> list[Area]:
    """The live areas of the tenant with that id (a round's owner, read by a reporter)."""
    return list(
        session.scalars(
            select(Area)
            .where(Area.tenant_id == tenant_id, Area.archived.is_(False))
            .order_by(func.lower(Area.name), Area.id)
        )
    )


def resolve_area(
    session: Session, tenant_id: int, area_id: int | None, name: str | None, field: str
) -> tuple[int | None, str]:
    """``(area_id, name)`` of a reported place: an area of the register of ``tenant_id``
    named by id (must be live and visible) or by name (case and spacing ignored); free
    text that names none is kept with ``area_id`` None (to be mapped by the coordinator)."""
    if area_id is not None:
        area = session.scalar(
            select(Area).where(
                Area.id == area_id, Area.tenant_id == tenant_id, Area.archived.is_(False)
            )
        )
        if area is None:
            raise ValidationError(_l("Choose one of the round's areas."), field)
        return area.id, area.name
    wanted = " ".join((name or "").split())
    if not wanted:
        return None, ""
    area = _named(live_areas_of(session, tenant_id), wanted)
    return (area.id, area.name) if area else (None, wanted)
