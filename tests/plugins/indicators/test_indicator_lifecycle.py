"""A member leaving: deleting the tenant that owns shared definitions hands them to another
member (the lowest id with values), whose values survive; only the leaving tenant's own
values and local definitions go."""

from __future__ import annotations

from indicatorkit import indicator, put
from samverka_indicators import services
from samverka_indicators.models import DataElement, DataValue
from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.lifecycle.deletion import delete_tenant


def test_deleting_the_owner_keeps_the_other_members_values_and_definitions(db, ind, acting):
    sunne, torsby, munkfors = ind.world.a, ind.world.b, ind.munkfors
    for tenant, crimes in ((sunne, 120), (torsby, 300), (munkfors, 31)):
        put(db, acting, tenant, ind.crimes, "2023", crimes)
        put(db, acting, tenant, ind.population, "2023", 10_000)
    with acting(torsby):
        services.define_element(db, torsby, "local", "Only Torsby's")
        db.commit()
    sunne_id, torsby_id, munkfors_id = sunne.id, torsby.id, munkfors.id
    assert sunne_id < munkfors_id

    with acting(torsby):
        delete_tenant(db, torsby)
        db.commit()

    with acting(sunne):
        elements = services.visible_elements(db, sunne)
        assert {elements["N07403c"].tenant_id, elements["N01951"].tenant_id} == {sunne_id}
        assert elements["N07403c"].shared and "local" not in elements
        crimes_id = elements["N07403c"].id
        values = db.scalars(select(DataValue.value).where(DataValue.element_id == crimes_id))
        assert list(values) == [120]
        moved = db.scalars(
            select(AuditEntry.target_type).where(
                AuditEntry.action == "indicators.ownership_transfer"
            )
        ).all()
        assert sorted(moved) == ["data_element", "data_element", "indicator"]
    assert indicator(db, acting, sunne).tenant_id == sunne_id
    violence = indicator(db, acting, munkfors)
    with acting(munkfors):
        cells = services.compute(db, munkfors, violence, [munkfors_id], ["2023"])
        assert cells[(munkfors_id, "2023")].rate == 310.0
        comparison = services.compare(db, munkfors, violence, ["2023"])
        assert comparison.total["2023"].numerator == 151
    with acting(torsby):  # nothing of the leaving tenant is left
        assert (
            db.scalars(select(DataElement.id).where(DataElement.tenant_id == torsby_id)).all() == []
        )
