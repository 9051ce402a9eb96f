"""The register of areas: names unique among live areas, borders checked (each kind of bad
GeoJSON is refused with a clear message and nothing is stored), versions closed by a new
upload, archiving, the audit trail, and who reads what: the owner and its consortium
partners read (ORM and PostgreSQL RLS), nobody but the owner writes, a tenant outside the
consortium sees nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from samverka.areas import services as areas
from samverka.areas.geometry import MAX_BYTES
from samverka.areas.models import Area, AreaBoundary
from samverka.audit.models import AuditEntry
from samverka.errors import NotFound, ValidationError
from samverka.toolkit import area_features, areas_of

#: A small square in Sunne (lon, lat).
SUNNE = [[13.13, 59.83], [13.16, 59.83], [13.16, 59.85], [13.13, 59.85], [13.13, 59.83]]
LYSVIK = [[13.11, 60.00], [13.15, 60.00], [13.15, 60.02], [13.11, 60.02], [13.11, 60.00]]
POLYGON = {"type": "Polygon", "coordinates": [SUNNE]}


def dumps(value) -> bytes:
    return json.dumps(value).encode()


@pytest.fixture
def centrum(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        area = areas.create_area(db, world.a, "Centrum", "district", world.admin_a)
        db.commit()
        return area.id


def boundaries(db) -> int:
    return db.scalar(select(func.count()).select_from(AreaBoundary))


def test_names_are_unique_among_live_areas_only(ctx, db, world, acting, centrum):
    with acting(world.a, world.admin_a):
        with pytest.raises(ValidationError, match="already an area"):
            areas.create_area(db, world.a, "  centrum ", "district")
        db.rollback()
        areas.archive_area(db, areas.get_area(db, world.a, centrum))
        again = areas.create_area(db, world.a, "Centrum", "district")
        db.commit()
        assert [a.id for a in areas.list_areas(db, world.a)] == [again.id]
        assert len(areas.list_areas(db, world.a, archived=True)) == 2
    with acting(world.b, world.admin_b):  # another tenant has its own namespace
        areas.create_area(db, world.b, "Centrum", "district")
        db.commit()


def test_names_compare_beyond_ascii(ctx, db, world, acting):
    """SQLite's lower() folds ASCII only: "ÖSTMARK" and "östmark" are still one name."""
    with acting(world.a, world.admin_a):
        area = areas.create_area(db, world.a, "Västra Ämtervik", "village")
        assert areas.find_by_name(db, world.a, "västra  ämtervik") is area
        with pytest.raises(ValidationError, match="already an area"):
            areas.create_area(db, world.a, "VÄSTRA ÄMTERVIK", "village")
        assert areas.update_area(db, area, "västra ämtervik", "village").name == "västra ämtervik"


@pytest.mark.parametrize(
    ("kind", "name"), [("town", "Centrum2"), ("district", ""), ("district", "x" * 121)]
)
def test_bad_names_and_kinds_are_refused(ctx, db, world, acting, kind, name):
    with acting(world.a, world.admin_a), pytest.raises(ValidationError):
        areas.create_area(db, world.a, name, kind)


BAD = [
    (b"{not json", "not valid JSON"),
    (b"", "empty"),
    (b"[1, 2]", "not a GeoJSON object"),
    (dumps({"type": "Point", "coordinates": [13.1, 59.8]}), "Polygon or MultiPolygon, not Point"),
    (
        dumps({"type": "FeatureCollection", "features": []}),
        "exactly one feature",
    ),
    (
        dumps({"type": "Polygon", "coordinates": [[[13.1, 59.8], [13.2, 59.9], [13.2, 59.8]]]}),
        "must be closed",
    ),
    (dumps({"type": "Polygon", "coordinates": [[["a", "b"], 1, 2, ["a", "b"]]]}), "cannot be read"),
    (
        # a bow tie: the ring crosses itself
        dumps(
            {
                "type": "Polygon",
                "coordinates": [
                    [[13.1, 59.8], [13.2, 59.9], [13.2, 59.8], [13.1, 59.9], [13.1, 59.8]]
                ],
            }
        ),
        "Self-intersection",
    ),
    # lat/lon swapped: the Gulf of Aden
    (
        dumps({"type": "Polygon", "coordinates": [[[p[1], p[0]] for p in SUNNE]]}),
        "outside Sweden",
    ),
    # Oslo: inside Sweden's bounding box, outside Sweden
    (
        dumps(
            {
                "type": "Polygon",
                "coordinates": [
                    [[10.7, 59.9], [10.8, 59.9], [10.8, 60.0], [10.7, 60.0], [10.7, 59.9]]
                ],
            }
        ),
        "outside Sweden",
    ),
    (b" " * (MAX_BYTES + 1), "at most 5 MB"),
]


@pytest.mark.parametrize(("raw", "message"), BAD, ids=[m for _r, m in BAD])
def test_a_bad_border_is_refused_and_nothing_changes(ctx, db, world, acting, centrum, raw, message):
    with acting(world.a, world.admin_a):
        area = areas.get_area(db, world.a, centrum)
        first = areas.set_geometry(db, area, POLYGON, world.admin_a)
        db.commit()
        with pytest.raises(ValidationError, match=message) as caught:
            areas.set_boundary(db, area, raw, world.admin_a)
        assert caught.value.field == "file"
        db.rollback()
        assert boundaries(db) == 1
        assert areas.current_boundary(db, area).id == first.id


@pytest.mark.parametrize(
    "document",
    [
        POLYGON,
        {"type": "Feature", "properties": {"namn": "Centrum"}, "geometry": POLYGON},
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": POLYGON}],
        },
        {"type": "MultiPolygon", "coordinates": [[SUNNE], [LYSVIK]]},
    ],
    ids=["bare", "feature", "collection", "multipolygon"],
)
def test_good_borders_are_stored_and_versioned(ctx, db, world, acting, centrum, document):
    with acting(world.a, world.admin_a):
        area = areas.get_area(db, world.a, centrum)
        first = areas.set_boundary(db, area, dumps(document), world.admin_a)
        db.commit()
        expected = "MultiPolygon" if document.get("type") == "MultiPolygon" else "Polygon"
        assert first.geometry["type"] == expected
        assert first.valid_to is None and first.uploaded_by_id == world.admin_a.id
        second = areas.set_geometry(
            db, area, {"type": "Polygon", "coordinates": [LYSVIK]}, world.admin_a
        )
        db.commit()
        history = areas.boundary_history(db, area)
        assert [v.id for v in history] == [second.id, first.id]
        assert history[1].valid_to is not None and history[0].valid_to is None
        assert history[1].geometry["type"] == expected  # the old version stays readable
        assert areas.current_boundary(db, area).id == second.id


def test_changes_are_audited(ctx, db, world, acting, centrum):
    with acting(world.a, world.admin_a):
        area = areas.get_area(db, world.a, centrum)
        areas.update_area(db, area, "Sunne centrum", "district")
        areas.set_geometry(db, area, POLYGON, world.admin_a)
        areas.archive_area(db, area)
        db.commit()
        actions = db.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_type == "area", AuditEntry.target_id == str(centrum))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["area.create", "area.update", "area.boundary", "area.archive"]


def test_an_archived_area_cannot_be_changed(ctx, db, world, acting, centrum):
    with acting(world.a, world.admin_a):
        area = areas.archive_area(db, areas.get_area(db, world.a, centrum))
        db.commit()
        with pytest.raises(ValidationError):
            areas.set_geometry(db, area, POLYGON)
        with pytest.raises(ValidationError):
            areas.update_area(db, area, "Nytt", "district")


def test_partners_read_outsiders_do_not_and_only_the_owner_writes(ctx, db, world, acting, centrum):
    with acting(world.a, world.admin_a):
        areas.set_geometry(db, areas.get_area(db, world.a, centrum), POLYGON)
        db.commit()
    with acting(world.b, world.admin_b):  # Torsby shares the consortium with Sunne
        seen = areas_of(db, world.a)
        assert [a.name for a in seen] == ["Centrum"]
        features = area_features(db, seen)["features"]
        assert features[0]["geometry"]["type"] == "Polygon"
        seen[0].name = "Kapat"
        with pytest.raises(Exception):  # noqa: B017 - the owner-only flush check
            db.flush()
        db.rollback()
    with acting(world.c, world.admin_c):  # Hagfors is outside the consortium
        assert areas_of(db, world.a) == []
        assert db.scalars(select(AreaBoundary)).all() == []
        with pytest.raises(NotFound):
            areas.get_area(db, world.a, centrum)
    with acting(world.a, world.admin_a):
        assert areas.get_area(db, world.a, centrum).name == "Centrum"


@pytest.mark.postgresql_only
def test_rls_agrees(ctx, db, world, acting, centrum, app_sql):
    with acting(world.a, world.admin_a):
        areas.set_geometry(db, areas.get_area(db, world.a, centrum), POLYGON)
        db.commit()
    assert len(app_sql((world.a.id,), "SELECT id FROM areas")) == 1
    assert len(app_sql((world.b.id,), "SELECT id FROM areas")) == 1
    assert len(app_sql((world.b.id,), "SELECT id FROM area_boundaries")) == 1
    assert app_sql((world.c.id,), "SELECT id FROM areas") == []
    assert app_sql((world.c.id,), "SELECT id FROM area_boundaries") == []
    # the partner never writes what it reads
    assert app_sql((world.b.id,), "UPDATE areas SET name = 'Kapat'") == 0
    assert app_sql((world.b.id,), "DELETE FROM area_boundaries") == 0
    assert app_sql((world.a.id,), "UPDATE areas SET kind = 'other'") == 1


def test_the_tenant_archive_holds_its_areas(ctx, db, world, acting, centrum):
    from samverka.areas.hooks import export_tenant_data

    class Archive:
        files: dict = {}

        def add_jsonl(self, name, rows):
            self.files[name] = list(rows)

    archive = Archive()
    with acting(world.a, world.admin_a):
        areas.set_geometry(db, areas.get_area(db, world.a, centrum), POLYGON)
        db.commit()
    with acting(world.b, world.admin_b):
        areas.create_area(db, world.b, "Östmark", "village")
        db.commit()
    export_tenant_data(db, world.a, archive)
    assert [r["name"] for r in archive.files["areas/areas.jsonl"]] == ["Centrum"]
    assert len(archive.files["areas/area_boundaries.jsonl"]) == 1


def test_deleting_the_tenant_deletes_its_areas(ctx, db, world, acting, centrum):
    with acting(world.a, world.admin_a):
        areas.set_geometry(db, areas.get_area(db, world.a, centrum), POLYGON)
        db.commit()
    fks = {
        (fk.parent.table.name, fk.column.table.name): fk.ondelete
        for table in (Area.__table__, AreaBoundary.__table__)
        for fk in table.foreign_keys
    }
    assert fks[("areas", "tenants")] == "CASCADE"
    assert fks[("area_boundaries", "tenants")] == "CASCADE"
    assert fks[("area_boundaries", "areas")] == "CASCADE"
