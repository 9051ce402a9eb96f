"""A member leaving: deleting the tenant that owns shared definitions hands them to another
member (the lowest id with values), whose values survive; only the leaving tenant's own
values and local definitions go. When every member with values has the code itself, the
values merge onto agreeing own definitions or are handed over under a new code."""

from __future__ import annotations

from indicatorkit import indicator, plan_measure, put
from samverka_indicators import services
from samverka_indicators.models import DataElement, DataValue
from sqlalchemy import select

from samverka.testing.core import audit_entries, delete_tenant


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
        moved = [e.target_type for e in audit_entries(db, "indicators.ownership_transfer")]
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


def _values(db, element_id):
    rows = db.execute(
        select(DataValue.period, DataValue.value).where(DataValue.element_id == element_id)
    ).all()
    return dict(rows)


def _audited(db, action):
    return [(e.target_id, e.details) for e in audit_entries(db, action)]


def test_when_every_member_has_the_code_values_merge_or_move_to_a_new_code(db, ind, acting):
    """Sunne's own N07403c agrees (antal, sum): its values merge, its own value for 2023
    wins. Munkfors' own N07403c counts per cent: its values are handed over as N07403c_3
    (N07403c_2 is taken by Sunne), not mixed in."""
    sunne, torsby, munkfors = ind.world.a, ind.world.b, ind.munkfors
    put(db, acting, sunne, ind.crimes, "2022", 100)
    put(db, acting, sunne, ind.crimes, "2023", 120)
    put(db, acting, munkfors, ind.crimes, "2023", 31)
    with acting(sunne):
        sunne_own = services.define_element(db, sunne, "N07403c", "Våldsbrott", unit="antal").id
        services.define_element(db, sunne, "N07403c_2", "Something else of Sunne's")
        db.commit()
    put(db, acting, sunne, sunne_own, "2023", 125)
    with acting(munkfors):
        munkfors_own = services.define_element(
            db, munkfors, "N07403c", "Våldsbrott, andel", unit="procent"
        ).id
        db.commit()
    munkfors_id = munkfors.id

    with acting(torsby):
        delete_tenant(db, torsby)
        db.commit()

    with acting(sunne):
        assert _values(db, sunne_own) == {"2022": 100, "2023": 125}
        ((target, details),) = _audited(db, "indicators.values_merged")
        assert (target, details["moved"], details["kept_own"]) == (str(sunne_own), 1, 1)
        assert services.visible_elements(db, sunne)["N07403c"].id == sunne_own
    with acting(munkfors):
        assert _values(db, munkfors_own) == {}
        renamed = services.visible_elements(db, munkfors)["N07403c_3"]
        assert (renamed.tenant_id, renamed.shared, renamed.unit) == (munkfors_id, True, "antal")
        assert _values(db, renamed.id) == {"2023": 31}
        transfers = dict(_audited(db, "indicators.ownership_transfer"))
        assert transfers[str(renamed.id)]["element_code"] == "N07403c_3"
        assert transfers[str(renamed.id)]["previous_code"] == "N07403c"
        assert _audited(db, "indicators.values_merged") == []


def test_the_members_targets_and_measure_links_follow_the_handed_over_indicator(db, ind, acting):
    from samverka_indicators import follow_up
    from samverka_indicators.models import MeasureLink, Target

    sunne, torsby, munkfors = ind.world.a, ind.world.b, ind.munkfors
    put(db, acting, munkfors, ind.crimes, "2023", 31)
    put(db, acting, munkfors, ind.population, "2023", 3669)
    violence = indicator(db, acting, sunne)
    _plan, measure_id = plan_measure(db, ind.world, acting, "Våldsprevention")
    with acting(sunne, ind.world.admin_a):  # Sunne has no values: only a target and a link
        follow_up.save_target(
            db,
            sunne,
            violence,
            baseline_period="2023",
            baseline_value=900,
            target_period="2026",
            target_value=700,
        )
        follow_up.link_measure(db, sunne, violence, measure_id)
        db.commit()
    with acting(torsby):
        delete_tenant(db, torsby)
        db.commit()
    moved = indicator(db, acting, sunne)
    assert moved.id != violence.id and moved.tenant_id == munkfors.id  # Munkfors has values
    with acting(sunne):
        target = db.scalar(select(Target))
        assert (target.indicator_id, target.target_value) == (moved.id, 700.0)
        assert db.scalar(select(MeasureLink.indicator_id)) == moved.id
        assert [d["previous_id"] for _, d in _audited(db, "indicators.follow_up_moved")] == [
            violence.id
        ]
