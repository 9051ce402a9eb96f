"""A year of the cycle for the demo's SuToHaMu municipalities (Sunne, Torsby, Hagfors,
Munkfors): twelve monthly reporting rounds before the current month, each unit's report with
place, time pattern and trend (seasonal: youth gatherings and vandalism in summer, burglary
in the dark months), Polisen LPO Torsby invited as a partner reporting from its own tenant,
the places from each municipality's register of areas (:mod:`samverka.demo.areas`),
a compiled and shared picture per month (every third decided by the council), the current
month's round open with some units late, and the consortium's picture for the year.

Deterministic (a seeded random generator) and idempotent: a municipality that already has
rounds is left alone. Called by :func:`samverka.demo.seed`.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.auth import services as accounts
from samverka.auth.models import User
from samverka.db import TenantScope, scoped
from samverka.demo.areas import seed_areas
from samverka.demo.organisations import DEMO_PASSWORD
from samverka.records import services as records
from samverka.tenants.models import Consortium, Tenant
from samverka.workflows.decisions import record_decision
from samverka.workflows.pictures import services as pictures
from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import ReportingRound, RoundUnit

COORDINATORS = {
    "sunne": "admin@sunne.test",
    "torsby": "samordnare@torsby.test",
    "hagfors": "samordnare@hagfors.test",
    "munkfors": "samordnare@hagfors.test",
}
MUNICIPALITIES = {
    "sunne": ["Centrum", "Lysvik", "Rottneros", "Västra Ämtervik", "Resecentrum"],
    "torsby": ["Centrum", "Östmark", "Sysslebäck", "Stöllet", "Torsby busstation"],
    "hagfors": ["Centrum", "Ekshärad", "Råda", "Sunnemo", "Älvstranden"],
    "munkfors": ["Centrum", "Ransäter", "Ängarna", "Folkets park"],
}
#: What each kind of unit tends to see (category, weight).
SEEN = {
    "school": [("vandalism", 4), ("graffiti", 3), ("staff_incident", 2), ("drug_handling", 1)],
    "social_services": [("drug_handling", 3), ("youth_gatherings", 3), ("assault", 1)],
    "leisure": [("youth_gatherings", 4), ("littering", 3), ("vandalism", 2), ("unsafe_places", 2)],
    "rescue_service": [("arson", 4), ("vandalism", 1), ("illegal_driving", 1)],
    "housing_company": [("vandalism", 4), ("burglary", 2), ("littering", 3), ("unsafe_places", 2)],
    "police": [
        ("assault", 3),
        ("burglary", 3),
        ("open_drug_dealing", 2),
        ("illegal_driving", 3),
        ("robbery", 1),
    ],
}
SEASON = {
    "youth_gatherings": {6: 2.5, 7: 2.5, 8: 2.0, 12: 1.5},
    "vandalism": {6: 1.8, 7: 1.8, 8: 1.5},
    "burglary": {11: 1.8, 12: 2.0, 1: 1.8, 2: 1.5},
    "illegal_driving": {5: 1.8, 6: 2.0, 7: 1.8, 8: 1.6},
    "arson": {4: 1.6, 12: 1.4},
}
TRENDS = ["up", "unchanged", "unchanged", "down"]


def seed_rounds(session: Session, registry: Any) -> int:
    """Seed the year; returns how many rounds were made (0 when they exist already)."""
    rng = random.Random(2026)  # noqa: S311 - repeatable demo data, not security
    tenants = {
        t.slug: t
        for t in session.scalars(select(Tenant).where(Tenant.slug.in_(list(MUNICIPALITIES))))
    }
    police = session.scalar(select(Tenant).where(Tenant.slug == "polisen-lpo-torsby"))
    if len(tenants) < len(MUNICIPALITIES):
        return 0
    coordinators = {
        slug: _user(session, registry, COORDINATORS[slug], f"Samordnare {t.name}", t, "coordinator")
        for slug, t in tenants.items()
    }
    reporter = None
    if police is not None:
        reporter = _user(
            session, registry, "rapportor@polisen.test", "Rita Rapportör", police, "contributor"
        )
    made = 0
    this_month = clock.now().date().replace(day=1)
    for slug, tenant in tenants.items():
        with scoped(session, TenantScope.for_tenant(tenant.id, coordinators[slug].id)):
            # the register first: the reports' places then carry their area ids
            seed_areas(session, tenant, coordinators[slug])
            if session.scalar(
                select(ReportingRound.id).where(ReportingRound.tenant_id == tenant.id)
            ):
                continue
            units = rounds.ensure_default_units(session, tenant, user=coordinators[slug])
            if slug == "torsby" and police is not None:
                units = [u for u in units if u.kind != "police"] + [
                    rounds.add_unit(
                        session,
                        tenant,
                        name="Polisen LPO Torsby",
                        kind="police",
                        partner=police,
                        email="lpo.torsby@polisen.test",
                        user=coordinators[slug],
                    )
                ]
            for unit in units:
                unit.email = unit.email or f"{unit.kind}@{slug}.test"
        for back in range(12, -1, -1):
            start = _month(this_month, -back)
            made += _one_round(
                session, rng, tenant, units, start, back == 0, coordinators[slug], police, reporter
            )
    group = session.scalar(select(Consortium).where(Consortium.slug == "sutohamu"))
    if made and group is not None:
        # The shares start "now": on PostgreSQL now() is the transaction's start, so the
        # consortium sees them from the next transaction on (as it would the next day).
        session.commit()
        hagfors = tenants["hagfors"]
        with scoped(session, TenantScope.for_tenant(hagfors.id, coordinators["hagfors"].id)):
            pictures.compile_consortium_picture(
                session,
                hagfors,
                group,
                period_start=_month(this_month, -12),
                period_end=this_month - timedelta(days=1),
                user=coordinators["hagfors"],
            )
    session.flush()
    return made


def _one_round(session, rng, tenant, units, start, current, coordinator, police, reporter) -> int:
    owner_scope = TenantScope.for_tenant(tenant.id, coordinator.id)
    with scoped(session, owner_scope):
        round_ = rounds.open_round(
            session, tenant, unit_ids=[u.id for u in units], period_start=start, user=coordinator
        )
        round_id = round_.id
        rows = session.scalars(select(RoundUnit).where(RoundUnit.round_id == round_id)).all()
        targets = [(r.id, r.reporter_tenant_id, r.unit_name) for r in rows]
    kinds = {u.name: u.kind for u in units}
    for unit_id, reporter_tenant, name in targets:
        if current and rng.random() < 0.5:
            continue  # this month's round: half the units have not reported yet
        partner = police is not None and reporter_tenant == police.id
        user = reporter if partner else coordinator
        if user is None:
            continue
        with scoped(session, TenantScope.for_tenant(reporter_tenant, user.id)):
            unit = session.get(RoundUnit, unit_id)
            rounds.submit_report(
                session,
                unit,
                lines=_lines(
                    rng, kinds.get(name, "police"), start.month, MUNICIPALITIES[tenant.slug]
                ),
                observations=_observation(rng, name),
                sources=_source(kinds.get(name, "police")),
                user=user,
            )
    if current:
        return 1
    with scoped(session, owner_scope):
        round_ = session.get(ReportingRound, round_id)
        picture = pictures.compile_picture(session, round_, user=coordinator)
        records.update_record(
            session,
            picture,
            data={
                "analysis": "Händelserna samlas kring centrum och kvällstid i slutet av veckan; "
                "sommarmånaderna präglas av ungdomssamlingar, vintern av inbrott.",
                "problems": "Skadegörelse och klotter i centrum kvällstid\n"
                "Ungdomssamlingar med alkohol och narkotika sommartid\n"
                "Inbrott i förråd under vinterhalvåret",
            },
            user=coordinator,
        )
        records.share_record(session, picture, consortium=tenant.consortia[0], user=coordinator)
        if start.month % 3 == 0:
            record_decision(
                session,
                picture,
                body="Brottsförebyggande rådet",
                decided_on=_month(start, 1) + timedelta(days=14),
                minute_paragraph=f"§ {start.month + 10}",
                user=coordinator,
            )
        rounds.close_round(session, round_, user=coordinator)
    return 1


def _lines(rng, kind: str, month: int, areas: list[str]) -> list[dict]:
    out = []
    for category, weight in SEEN.get(kind, SEEN["police"]):
        mean = weight * SEASON.get(category, {}).get(month, 1.0)
        count = max(0, int(rng.gauss(mean, mean / 2)))
        if not count:
            continue
        out.append(
            {
                "category": category,
                "count": count,
                "area": rng.choice(areas),
                "weekday": rng.choice(["fri", "sat", "sat", "sun", "wed"]),
                "time_of_day": rng.choice(["evening", "evening", "night", "afternoon"]),
                "trend": rng.choice(TRENDS),
            }
        )
    return out


def _observation(rng, unit: str) -> str:
    return rng.choice(
        [
            "Fler ungdomar samlas vid busstationen efter skoltid.",
            "Personalen upplever otrygghet vid stängning på kvällen.",
            "Klotter återkommer på samma väggar trots sanering.",
            "Lugnare än förra månaden efter ökad närvaro av fältassistenter.",
            f"{unit}: inga särskilda iakttagelser utöver siffrorna.",
        ]
    )


def _source(kind: str) -> str:
    return {
        "school": "Skolans incidentrapporter",
        "social_services": "Fältgruppens dagbok",
        "leisure": "Fritidsgårdens logg",
        "rescue_service": "Räddningstjänstens insatsrapporter",
        "housing_company": "Felanmälningar och jourens rapporter",
    }.get(kind, "Polisens händelserapporter (RAR)")


def _month(first: date, delta: int) -> date:
    index = first.year * 12 + first.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


def _user(session, registry, email, name, tenant, role) -> User:

    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = accounts.create_user(session, email, name, DEMO_PASSWORD)
    with scoped(session, TenantScope.for_tenant(tenant.id)):
        accounts.add_member(session, registry, user, tenant, role)
    return user
