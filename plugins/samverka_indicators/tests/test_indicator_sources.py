"""The core's reporting rounds reach the indicators through the hook ``publish_series``:
``sync_sources`` stores each category as a data element of the round's tenant, with its
monthly and yearly counts, and a second sync changes nothing."""

from __future__ import annotations

from samverka_indicators import services
from samverka_indicators.models import DataValue
from sqlalchemy import select

from samverka.testing import core


def _round_with_reports(db, acting, world) -> None:
    """A January round of Sunne's, with its school and Torsby (a partner) reporting."""
    with acting(world.a, world.admin_a):
        school = next(
            u
            for u in core.ensure_default_units(db, world.a, user=world.admin_a)
            if u.kind == "school"
        )
        police = core.add_unit(
            db, world.a, name="Polisen", kind="police", partner=world.b, user=world.admin_a
        )
        round_ = core.open_round(
            db,
            world.a,
            unit_ids=[school.id, police.id],
            period_start="2025-01-01",
            deadline="2030-01-01",
            user=world.admin_a,
        )
        db.commit()
        round_id = round_.id
    for tenant, user, name, count in (
        (world.a, world.contributor_a, "School", 3),
        (world.b, world.admin_b, "Polisen", 4),
    ):
        with acting(tenant, user):
            unit = core.round_unit(db, round_id, name)
            core.submit_report(
                db, unit, lines=[{"category": "vandalism", "count": count}], user=user
            )
            db.commit()


def _stored(db, element_id: int) -> dict[str, float]:
    rows = db.execute(
        select(DataValue.period, DataValue.value).where(DataValue.element_id == element_id)
    ).all()
    return dict(rows)


def test_sync_stores_the_rounds_counts_as_data_elements(db, ind, acting):
    world = ind.world
    _round_with_reports(db, acting, world)

    with acting(world.a, world.admin_a):
        first = services.sync_sources(db, world.a)
        db.commit()
        again = services.sync_sources(db, world.a)
        db.commit()
        elements = services.visible_elements(db, world.a)
        vandalism = elements["core.rounds.vandalism"]
        assert (vandalism.name, vandalism.unit, vandalism.source) == ("Vandalism", "antal", "core")
        assert _stored(db, vandalism.id) == {"202501": 7.0}
        assert _stored(db, elements["core.rounds.arson"].id) == {"202501": 0.0}
    assert first.inserted == len(core.EST_CATEGORIES)  # one month each
    assert (again.inserted, again.updated) == (0, 0)

    with acting(world.b, world.admin_b):  # the partner reported, but the round is Sunne's
        services.sync_sources(db, world.b)
        db.commit()
        own = {
            code
            for code, element in services.visible_elements(db, world.b).items()
            if element.tenant_id == world.b.id
        }
    assert not {code for code in own if code.startswith("core.rounds.")}
