"""``/api/v1/tenants/{tenant}/areas``: the register of areas and their borders (GeoJSON).

The same services as the pages (:mod:`samverka.areas.services`). A border is PUT as a
GeoJSON Feature, one-feature FeatureCollection or bare Polygon/MultiPolygon
(``application/geo+json`` or ``application/json``, at most 5 MB); a bad one is a 422 problem
on the ``file`` field with the same message the upload form shows, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request
from marshmallow import fields

from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.problems import ApiProblem
from samverka.api.records import body_limit
from samverka.areas import services as areas
from samverka.areas.geometry import MAX_BYTES
from samverka.areas.models import KINDS, Area
from samverka.runtime import db_session

MAX_ID = 2**31 - 1
READ, MANAGE = "tenant:records:read", "tenant:areas:manage"

bp = ApiBlueprint(
    "areas",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="The register of areas (districts, villages, catchments) and their borders.",
)


class AreaSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "|".join(KINDS)})
    archived = fields.Boolean(required=True)
    has_boundary = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class AreaCreateSchema(ma.Schema):
    name = fields.String(required=True)
    kind = fields.String(load_default="other", metadata={"description": "|".join(KINDS)})


class AreaPatchSchema(ma.Schema):
    name = fields.String()
    kind = fields.String(metadata={"description": "|".join(KINDS)})


class GeoJsonSchema(ma.Schema):
    """A GeoJSON object; its geometry is checked by the service (Polygon/MultiPolygon,
    valid, WGS84 lon/lat inside Sweden)."""

    class Meta:
        unknown = ma.INCLUDE

    type = fields.String(
        required=True, metadata={"description": "Feature|FeatureCollection|Polygon|MultiPolygon"}
    )


class BoundarySchema(ma.Schema):
    type = fields.String(required=True, metadata={"description": "Feature"})
    id = fields.Integer(required=True, metadata={"description": "The border version's id."})
    geometry = fields.Dict(required=True)
    properties = fields.Dict(required=True)


def _area(area_id: int) -> Area:
    if area_id > MAX_ID:
        raise ApiProblem("not-found", f"No area {area_id}.")
    return areas.get_area(db_session(), caller().tenant, area_id)


def _body(area: Area, has_boundary: bool | None = None) -> dict[str, Any]:
    if has_boundary is None:
        has_boundary = areas.current_boundary(db_session(), area) is not None
    return {
        "id": area.id,
        "name": area.name,
        "kind": area.kind,
        "archived": area.archived,
        "has_boundary": has_boundary,
        "created_at": area.created_at,
        "updated_at": area.updated_at,
    }


@bp.route("/areas", methods=["GET"])
@bp.response(200, AreaSchema(many=True))
@bp.problems(403, 404)
def list_areas():
    """The tenant's live areas by name."""
    require(READ)
    session = db_session()
    found = areas.list_areas(session, caller().tenant)
    borders = areas.current_geometries(session, found)
    return [_body(area, area.id in borders) for area in found]


@bp.route("/areas", methods=["POST"])
@bp.arguments(AreaCreateSchema)
@bp.response(201, AreaSchema)
@bp.problems(400, 403, 404, 415, 422)
def create_area(body: dict):
    """A new area; the name must be free among the tenant's live areas."""
    require(MANAGE)
    who = caller()
    area = areas.create_area(db_session(), who.tenant, body["name"], body["kind"], who.user)
    db_session().commit()
    return _body(area, False), 201


@bp.route("/areas/<int:area_id>", methods=["GET"])
@bp.response(200, AreaSchema)
@bp.problems(403, 404)
def get_area(area_id: int):
    """One area (archived ones too)."""
    require(READ)
    return _body(_area(area_id))


@bp.route("/areas/<int:area_id>", methods=["PATCH"])
@bp.arguments(AreaPatchSchema)
@bp.response(200, AreaSchema)
@bp.problems(400, 403, 404, 415, 422)
def patch_area(body: dict, area_id: int):
    """Rename an area or change its kind."""
    require(MANAGE)
    area = _area(area_id)
    areas.update_area(db_session(), area, body.get("name", area.name), body.get("kind", area.kind))
    db_session().commit()
    return _body(area)


@bp.route("/areas/<int:area_id>/archive", methods=["POST"])
@body_limit(0, none=True)
@bp.response(200, AreaSchema)
@bp.problems(403, 404, 413, 415)
def archive_area(area_id: int):
    """Archive an area: kept for the reports that name it, no longer offered."""
    require(MANAGE)
    area = areas.archive_area(db_session(), _area(area_id))
    db_session().commit()
    return _body(area)


@bp.route("/areas/<int:area_id>/boundary", methods=["GET"])
@bp.response(200, BoundarySchema)
@bp.problems(403, 404)
def get_boundary(area_id: int):
    """The area's current border as a GeoJSON Feature."""
    require(READ)
    area = _area(area_id)
    found = areas.current_boundary(db_session(), area)
    if found is None:
        raise ApiProblem("not-found", "The area has no border yet.")
    return _feature(area, found)


@bp.route("/areas/<int:area_id>/boundary", methods=["PUT"])
@body_limit(MAX_BYTES)
@bp.arguments(GeoJsonSchema)
@bp.response(200, BoundarySchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def put_boundary(_body_in: dict, area_id: int):
    """A new border version (the current one is closed)."""
    require(MANAGE)
    who = caller()
    area = _area(area_id)
    found = areas.set_boundary(db_session(), area, request.get_data(cache=True), who.user)
    db_session().commit()
    return _feature(area, found)


def _feature(area: Area, found) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": found.id,
        "geometry": found.geometry,
        "properties": {
            "area_id": area.id,
            "name": area.name,
            "valid_from": found.valid_from.isoformat(),
            "valid_to": found.valid_to.isoformat() if found.valid_to else None,
        },
    }
