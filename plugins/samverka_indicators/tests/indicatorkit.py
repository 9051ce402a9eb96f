"""Helpers for the indicators plugin's tests: SuToHaMu with Munkfors, the plugin enabled for
Sunne, Torsby and Munkfors, shared data elements defined by Torsby (reported violent crimes,
population) and the indicator "violent crimes per 100 000"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from samverka_indicators import services

from samverka.testing import core

NAME = "indicators"


@dataclass
class Setup:
    world: Any
    munkfors: Any
    crimes: int
    population: int

    @property
    def tenants(self):
        return [self.world.a, self.world.b, self.munkfors]


def build(db, world, acting, with_plugins) -> Setup:
    munkfors = core.create_tenant(
        db, "munkfors", "Munkfors kommun", "municipality", "1762", 3669, [world.consortium]
    )
    db.commit()
    for tenant in (world.a, world.b, munkfors):
        with_plugins(tenant, NAME)
    with acting(world.b, world.admin_b):
        crimes = services.define_element(
            db, world.b, "N07403c", "Anmälda våldsbrott", unit="antal", shared=True, source="Brå"
        )
        population = services.define_element(
            db, world.b, "N01951", "Folkmängd", unit="personer", aggregation="last", shared=True
        )
        services.define_indicator(
            db,
            world.b,
            "violence",
            "Anmälda våldsbrott per 100 000 invånare",
            "#{N07403c}",
            "#{N01951}",
            factor=100_000,
            term="long",
            shared=True,
            source="Brå",
            attribution="Källa: Brå, SCB",
        )
        db.commit()
    return Setup(world, munkfors, crimes.id, population.id)


def put(db, acting, tenant, element_id, period, value, status="final", gender="T"):
    with acting(tenant):
        counts = services.upsert_values(
            db, tenant.id, [services.value_row(element_id, period, gender, value, status)]
        )
        db.commit()
    return counts


def indicator(db, acting, tenant, code="violence"):
    with acting(tenant):
        return next(i for i in services.visible_indicators(db, tenant) if i.code == code)


def plan_measure(db, world, acting, title="Fler trygghetsvandringar") -> tuple[int, int]:
    """(plan id, measure id): a measure in a new action plan of Sunne's (its cause needs
    no picture here). Needs an app context."""
    return core.plan_measure(db, world.a, world.admin_a, title)
