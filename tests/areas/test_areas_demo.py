"""The demo's register: every place the demo's rounds name is an area of its municipality
with a border around the real place (inside Sweden, valid), the reports carry the area ids,
and seeding again adds nothing."""

from __future__ import annotations

from shapely.geometry import Point, shape
from sqlalchemy import func, select

from samverka import demo
from samverka.areas import services as areas
from samverka.areas.models import Area, AreaBoundary
from samverka.db import TenantScope, scoped
from samverka.demo import rounds as rounds_demo
from samverka.demo.areas import PLACES, seed_areas
from samverka.tenants.models import Tenant
from samverka.workflows.rounds.models import RoundReport

#: (latitude, longitude) the borders must contain.
LANDMARKS = {
    ("hagfors", "Centrum"): (60.03, 13.69),
    ("hagfors", "Råda"): (60.00, 13.60),
    ("hagfors", "Ekshärad"): (60.17, 13.49),
    ("sunne", "Centrum"): (59.84, 13.14),
    ("torsby", "Centrum"): (60.13, 13.01),
    ("munkfors", "Centrum"): (59.84, 13.54),
}


def test_the_demos_places_are_in_the_register(ctx, db, registry):
    demo.seed(db, registry)
    db.commit()
    tenants = {t.slug: t for t in db.scalars(select(Tenant))}
    for slug, places in rounds_demo.MUNICIPALITIES.items():
        tenant = tenants[slug]
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            register = {a.name: a for a in areas.list_areas(db, tenant)}
            assert set(places) <= set(register), slug
            borders = areas.current_geometries(db, register.values())
            assert set(borders) == {a.id for a in register.values()}
            for (where, name), (lat, lon) in LANDMARKS.items():
                if where == slug:
                    assert shape(borders[register[name].id]).contains(Point(lon, lat)), name
            lines = [
                line
                for report in db.scalars(
                    select(RoundReport).where(RoundReport.round_tenant_id == tenant.id)
                )
                for line in report.lines
            ]
            missing = [line for line in lines if not line.get("area_id")]
            assert lines and not missing, missing[:3]
            assert {line["area_id"] for line in lines} <= {a.id for a in register.values()}
    # idempotent: the demo's seeding and the areas' own
    with scoped(db, TenantScope(tuple(t.id for t in tenants.values()), None)):
        before = (
            db.scalar(select(func.count()).select_from(Area)),
            db.scalar(select(func.count()).select_from(AreaBoundary)),
        )
    assert before[0] == sum(len(p) for p in PLACES.values())
    assert rounds_demo.seed_rounds(db, registry) == 0
    hagfors = tenants["hagfors"]
    with scoped(db, TenantScope.for_tenant(hagfors.id)):
        assert seed_areas(db, hagfors) == 0
    db.commit()
    with scoped(db, TenantScope(tuple(t.id for t in tenants.values()), None)):
        after = (
            db.scalar(select(func.count()).select_from(Area)),
            db.scalar(select(func.count()).select_from(AreaBoundary)),
        )
    assert after == before
