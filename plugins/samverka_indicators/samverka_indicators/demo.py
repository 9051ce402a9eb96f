"""Demo data for SuToHaMu (Sunne, Torsby, Hagfors, Munkfors): Torsby's shared indicator set
(tasked with proposing it) and realistic yearly values 2019-2025, populations from SCB
(end of 2023, DOMAIN.md §6) drifting slightly; each member's baseline (2021) and target
(15 % lower by 2027) for violence, attached to the first measure of its action plan.
Idempotent (upserts by code and period; targets and links only where there are none)."""

from __future__ import annotations

import random

from samverka.toolkit import measure_references, tenant_scope

from . import follow_up, services

YEARS = [str(y) for y in range(2019, 2026)]
POPULATION = {"1766": 13366, "1737": 11387, "1783": 11536, "1762": 3669}
# reported crimes per 100 000 (violent, all) around which the demo values vary
LEVEL = {"1766": (760, 7200), "1737": (830, 7600), "1783": (900, 7900), "1762": (820, 6800)}
OWNER = "1737"  # Torsby defines the shared set


def define(session, owner) -> dict[str, int]:
    ids = {}
    for code, name, aggregation in (
        ("N01951", "Folkmängd 31 december", "last"),
        ("bra_violent", "Anmälda våldsbrott", "sum"),
        ("bra_total", "Anmälda brott totalt", "sum"),
    ):
        ids[code] = services.define_element(
            session,
            owner,
            code,
            name,
            aggregation=aggregation,
            shared=True,
            unit="personer" if code == "N01951" else "antal",
            source="SCB via Kolada" if code == "N01951" else "Brå",
        ).id
    services.define_indicator(
        session,
        owner,
        "violence_per_100k",
        "Anmälda våldsbrott per 100 000 invånare",
        "#{bra_violent}",
        "#{N01951}",
        factor=100_000,
        term="long",
        shared=True,
        source="Brå, SCB",
        attribution="Källa: Brå och SCB via Kolada",
    )
    services.define_indicator(
        session,
        owner,
        "crime_per_100k",
        "Anmälda brott totalt per 100 000 invånare",
        "#{bra_total}",
        "#{N01951}",
        factor=100_000,
        term="short",
        shared=True,
        source="Brå, SCB",
        attribution="Källa: Brå och SCB via Kolada",
    )
    return ids


def seed(session, tenants: list) -> int:
    """Definitions in Torsby (or the first tenant), values in every tenant; returns the
    number of values stored or changed."""
    owner = next((t for t in tenants if t.municipality_code == OWNER), tenants[0])
    with tenant_scope(session, owner.id):
        ids = define(session, owner)
    stored = 0
    for tenant in tenants:
        code = tenant.municipality_code or OWNER
        rng = random.Random(code)  # noqa: S311 - demo numbers, not secrets
        people = POPULATION.get(code, 10_000)
        violent, total = LEVEL.get(code, (800, 7000))
        rows = []
        for i, year in enumerate(YEARS):
            population = round(people * (1 + 0.004 * (len(YEARS) - 2 - i)))
            rows += [
                services.value_row(ids["N01951"], year, "T", population),
                services.value_row(
                    ids["bra_violent"],
                    year,
                    "T",
                    round(population * violent * rng.uniform(0.8, 1.2) / 1e5),
                ),
                services.value_row(
                    ids["bra_total"],
                    year,
                    "T",
                    round(population * total * rng.uniform(0.85, 1.15) / 1e5),
                ),
            ]
        with tenant_scope(session, tenant.id):
            stored += services.upsert_values(session, tenant.id, rows).stored
    return stored


def seed_all(session, tenants: list) -> dict[str, int]:
    """Values (:func:`seed`), then each member's target and measure link for violence."""
    created = {"indicator_values": seed(session, tenants), "indicator_targets": 0}
    created["indicator_measure_links"] = 0
    for tenant in tenants:
        with tenant_scope(session, tenant.id):
            violence = next(
                i
                for i in services.visible_indicators(session, tenant)
                if i.code == "violence_per_100k"
            )
            if follow_up.target_of(session, violence) is None:
                cells = services.compute(session, tenant, violence, [tenant.id], ["2021"])
                baseline = cells[(tenant.id, "2021")].rate
                follow_up.save_target(
                    session,
                    tenant,
                    violence,
                    baseline_period="2021",
                    baseline_value=baseline,
                    target_period="2027",
                    target_value=round(baseline * 0.85, 1),
                    note="Minska det anmälda våldet med 15 procent (SuToHaMu-överenskommelsen).",
                )
                created["indicator_targets"] += 1
            measures = measure_references(session, tenant)
            if measures and not follow_up.linked_measures(session, tenant, violence):
                follow_up.link_measure(session, tenant, violence, measures[0].id)
                created["indicator_measure_links"] += 1
    session.flush()
    return created


def sutohamu_members(session) -> list:
    """The members of Torsby's consortia that have enabled the plugin (none: no demo)."""
    from samverka.toolkit import consortium_members, tenant_by_slug

    from .models import NAME

    torsby = tenant_by_slug(session, "torsby")
    return consortium_members(session, torsby, NAME) if torsby else []
