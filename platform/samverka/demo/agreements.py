"""Demo data for agreements, pledges and compliance settings (called from ``demo.seed``).

SuToHaMu: the four municipalities and Polisen (LPO Torsby) signed one cooperation agreement,
valid until either party gives notice (Hagfors kommun's news item in the seeds); Hagfors
keeps it and shares it with the consortium. Each municipality has a citizen pledge with a
Mellerud-style yearly follow-up (Mellerud's own 2023–24 pledge: crime-active individuals and
traffic safety), and compliance settings. Names of signatories are the offices, not people.
Idempotent: what exists (by title) is left alone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.auth.models import User
from samverka.db import TenantScope, scoped
from samverka.records import services
from samverka.records.models import Record
from samverka.tenants.models import Consortium, Tenant
from samverka.workflows.agreements import services as ag
from samverka.workflows.compliance import services as compliance

AGREEMENT_TITLE = "Samverkansavtal SuToHaMu och Polisen"
PARTIES = ("sunne", "torsby", "hagfors", "munkfors", "polisen-lpo-torsby")
PROBLEMS = (
    "Narkotika och missbruk bland unga (ANDT)",
    "Våldsbejakande extremism",
    "Otrygghet i centrummiljöer kvällstid",
    "Förgiftningar (INTOX): samarbete mellan akutmottagning, polis och socialtjänst",
)
SUMMARY = (
    "Samarbetet ska stärka, synliggöra, konkretisera och samordna kommunernas och Polisens "
    "insatser. Parterna beslutar om prioriterade brottsförebyggande områden, lokalt och "
    "gemensamt. Torsby tar fram indikatorer, Hagfors handlingsplaner mot våldsbejakande "
    "extremism, Sunne och Munkfors en gemensam ANDT-policy för skolorna."
)
#: tenant slug -> (user e-mail that writes, coordination function, coordinator, months)
MUNICIPALITIES = {
    "sunne": ("admin@sunne.test", "Brottsförebyggande rådet", "Sara Sunne", 12),
    "torsby": ("skola@torsby.test", "Trygghetsgruppen", "Tove Torsby", 12),
    "hagfors": (
        "samordnare@hagfors.test",
        "Trygghetsrådet (kontaktperson på Individ- och omsorgsavdelningen)",
        "Hans Hagfors",
        12,
    ),
    "munkfors": ("samordnare@hagfors.test", "Trygghetsrådet", "Hans Hagfors", 24),
    "mellerud-kommun": ("samordnare@mellerud.test", "BRÅ-rådet", "Maja Mellerud", 24),
}
PLEDGES: dict[str, dict[str, Any]] = {
    "sunne": {
        "focus": "Trygg centrummiljö kvällstid\nNarkotika bland unga",
        "text": "Polisen och Sunne kommun lovar att göra centrum tryggare kvällstid genom "
        "fler trygghetsvandringar och synlig polis, och att arbeta mot narkotika bland unga.",
        "activity": ("Trygghetsvandringar i centrum", "Fritid och kultur", "2026-05-31"),
        "follow_ups": {2025: ("done", "Sex trygghetsvandringar genomförda; belysning åtgärdad.")},
    },
    "torsby": {
        "focus": "Trafiksäkerhet vid skolor\nKlotter och skadegörelse",
        "text": "Polisen och Torsby kommun lovar fler trafikkontroller vid skolorna och att "
        "klotter tas bort inom en vecka.",
        "activity": ("Trafikkontroller vid skolor", "Polisen LPO Torsby", "2026-09-30"),
        "follow_ups": {2025: ("partly", "Kontrollerna genomförda; klotter borta inom 10 dagar.")},
    },
    "hagfors": {
        "focus": "Våldsbejakande extremism\nTrygghet i Ekshärad och Hagfors centrum",
        "text": "Polisen och Hagfors kommun lovar att motverka våldsbejakande extremism "
        "genom utbildning av personal och att lyssna på invånarna i trygghetsdialoger.",
        "activity": (
            "Utbildning om extremism för skolpersonal",
            "Individ och omsorg",
            "2026-06-15",
        ),
        "follow_ups": {
            2025: ("done", "Två utbildningar och tre trygghetsdialoger genomförda."),
            2026: ("ongoing", "Dialogerna fortsätter under hösten."),
        },
    },
    "munkfors": {
        "focus": "ANDT i skolan",
        "text": "Polisen och Munkfors kommun lovar en gemensam ANDT-policy för skolorna "
        "tillsammans med Sunne, och att elever och föräldrar informeras varje läsår.",
        "activity": ("Gemensam ANDT-policy med Sunne", "Barn och utbildning", "2026-08-15"),
        "follow_ups": {},
    },
    "mellerud-kommun": {
        "focus": "Brottsaktiva individer\nTrafiksäkerhet",
        "text": "Polisen och Melleruds kommun lovar att arbeta med brottsaktiva individer "
        "och med trafiksäkerheten i tätorten.",
        "activity": ("Hastighetskontroller i tätorten", "Polisen Östra Fyrbodal", "2026-10-01"),
        "follow_ups": {2025: ("done", "Följts upp av BRÅ-rådet i december.")},
        "from": "2025-01-01",
        "to": "2026-12-31",
    },
}


def seed_agreements(session: Session) -> dict[str, int]:
    """Create what is missing; returns counts of what was created."""
    created = {"agreements": 0, "pledges": 0, "compliance_settings": 0}
    tenants = {t.slug: t for t in session.scalars(select(Tenant))}
    users = {u.email: u for u in session.scalars(select(User))}
    for slug, (email, function, coordinator, months) in MUNICIPALITIES.items():
        tenant, user = tenants.get(slug), users.get(email)
        if tenant is None or user is None:
            continue
        with scoped(session, TenantScope.for_tenant(tenant.id, user.id)):
            if compliance.settings_of(session, tenant) is None:
                compliance.save_settings(
                    session,
                    tenant,
                    cycle_months=months,
                    decision_body="Kommunstyrelsen",
                    coordinator_name=coordinator,
                    coordination_function=function,
                )
                created["compliance_settings"] += 1
            if _pledge(session, tenant, user):
                created["pledges"] += 1
    hagfors, user = tenants.get("hagfors"), users.get("samordnare@hagfors.test")
    if hagfors is not None and user is not None and all(p in tenants for p in PARTIES):
        with scoped(session, TenantScope.for_tenant(hagfors.id, user.id)):
            if _agreement(session, hagfors, user):
                created["agreements"] += 1
    session.flush()
    return created


def _exists(session: Session, tenant: Tenant, type_name: str, title: str) -> bool:
    return (
        session.scalars(
            select(Record.id).where(
                Record.tenant_id == tenant.id, Record.type_name == type_name, Record.title == title
            )
        ).first()
        is not None
    )


def _agreement(session: Session, tenant: Tenant, user: User) -> bool:
    if _exists(session, tenant, ag.AGREEMENT_TYPE, AGREEMENT_TITLE):
        return False
    record = ag.create_agreement(
        session,
        title=AGREEMENT_TITLE,
        data={
            "valid_from": "2024-03-06",
            "until_further_notice": True,
            "review_on": "2027-01-15",
            "problems": "\n".join(PROBLEMS),
            "summary": SUMMARY,
        },
        parties=[{"tenant": slug} for slug in PARTIES],
        signatories=[
            *(
                {
                    "name": f"Kommunstyrelsens ordförande, {name}",
                    "title": "Kommunstyrelsens ordförande",
                    "party": f"{name} kommun",
                    "signed_on": "2024-03-06",
                }
                for name in ("Sunne", "Torsby", "Hagfors", "Munkfors")
            ),
            {
                "name": "Lokalpolisområdeschef, LPO Torsby",
                "title": "Lokalpolisområdeschef",
                "party": "Polisen",
                "signed_on": "2024-03-06",
            },
        ],
        user=user,
    )
    consortium = session.scalars(select(Consortium).where(Consortium.slug == "sutohamu")).first()
    if consortium is not None:
        services.share_record(session, record, consortium=consortium, user=user)
    return True


def _pledge(session: Session, tenant: Tenant, user: User) -> bool:
    spec = PLEDGES.get(tenant.slug)
    title = f"Medborgarlöfte {tenant.name} 2025–2026"
    if spec is None or _exists(session, tenant, ag.PLEDGE_TYPE, title):
        return False
    description, unit, due = spec["activity"]
    record = ag.create_pledge(
        session,
        title=title,
        data={
            "valid_from": spec.get("from", "2025-01-01"),
            "valid_to": spec.get("to", "2026-12-31"),
            "focus_areas": spec["focus"],
            "public_text": spec["text"],
            "published": True,
            "follow_up_month": 12,
            "internal_notes": "Följs upp av rådet i december.",
        },
        activities=[{"description": description, "owner_name": unit, "due_on": due}],
        user=user,
    )
    this_year = ag.today().year
    for year, (status, text) in spec["follow_ups"].items():
        if year <= this_year and date(year, 1, 1) >= date(2025, 1, 1):
            ag.record_follow_up(session, record, year=year, status=status, text=text, user=user)
    return True
