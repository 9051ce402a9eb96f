"""Demo data for action plans and councils (SuToHaMu): the joint steering group and each
municipality's crime prevention council with a year of meetings, decisions and assignments;
an action plan per municipality whose causes point at the problems of the municipality's
situation picture (the latest one; a small one is created when there is none), with
measures followed up green, yellow and red.

Idempotent like :func:`samverka.demo.seed`: a tenant that already has a council or a plan
from here is left alone. Dates are relative to today, so the demo always shows a current
year (meetings held, one ahead; measures due soon and late).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.auth.models import User
from samverka.db import TenantScope, scoped
from samverka.records import services as records
from samverka.records.models import Record
from samverka.tenants.models import Tenant
from samverka.workflows.action_plans import services as plans
from samverka.workflows.councils import services as councils
from samverka.workflows.cycle_types import ACTION_PLAN_TYPE, SITUATION_PICTURE_TYPE, problems_of
from samverka.workflows.decisions import record_decision

#: municipality slug → the demo user who keeps its plan and council (a writer there)
KEEPERS = {
    "sunne": "admin@sunne.test",
    "torsby": "skola@torsby.test",
    "hagfors": "samordnare@hagfors.test",
    "munkfors": "samordnare@hagfors.test",
}
#: users who may also share (a member or assignee from another organisation needs a share)
SHARERS = {"sunne", "hagfors", "munkfors"}
POLICE = "polisen-lpo-torsby"
POLICE_USER = "kommunpolis@polisen.test"

PROBLEMS = {
    "sunne": "Klotter och skadegörelse i centrum\nOtrygghet vid busstationen kvällstid\n"
    "Narkotikaförsäljning vid skolor",
    "torsby": "Inbrott i fritidshus\nOtrygghet i centrum på helger\nSkadegörelse på skolor",
    "hagfors": "Ungdomar i riskmiljöer\nVåld i offentlig miljö på helger\nKlotter i Uddeholm",
    "munkfors": "Otrygghet vid järnvägsstationen\nSkadegörelse på fritidsgården",
}

# (cause, problem number, [(measure, goal, due in days, responsible, effort, [statuses])])
CAUSES = [
    (
        "Dålig belysning och få vuxna i rörelse kvällstid",
        2,
        [
            (
                "Ny belysning längs gångstråken",
                "Alla gångstråk kring platsen upplysta",
                -20,
                "Gatuenheten",
                "one_off",
                ["yellow", "red"],
            ),
            (
                "Nattvandring fredagar och lördagar",
                "Vuxna på plats varje helgkväll",
                120,
                "Fritidsförvaltningen",
                "ordinary",
                ["green"],
            ),
        ],
    ),
    (
        "Skadegörelse åtgärdas för sent och lockar till mer",
        1,
        [
            (
                "Klottersanering inom 24 timmar",
                "90 procent sanerat inom ett dygn",
                14,
                "Kommunens fastighetsenhet",
                "ordinary",
                ["yellow"],
            ),
        ],
    ),
    ("Ungas fritid saknar vuxna förebilder", 1, []),  # flagged: no measure yet
]


def seed_plans(session: Session) -> dict[str, int]:
    """Councils, meetings and action plans for SuToHaMu's municipalities (idempotent)."""
    made = {"councils": 0, "plans": 0}
    tenants = {
        t.slug: t
        for t in session.scalars(select(Tenant).where(Tenant.slug.in_([*KEEPERS, POLICE])))
    }
    users = {
        u.email: u
        for u in session.scalars(
            select(User).where(User.email.in_([*KEEPERS.values(), POLICE_USER]))
        )
    }
    if not all(slug in tenants for slug in KEEPERS) or not all(
        email in users for email in KEEPERS.values()
    ):
        return made
    for slug, email in KEEPERS.items():
        tenant, user = tenants[slug], users[email]
        with scoped(session, TenantScope.for_tenant(tenant.id, user.id)):
            if _owned(session, tenant, councils.COUNCIL_TYPE) is None:
                _council(session, tenant, user, tenants.get(POLICE), users.get(POLICE_USER))
                made["councils"] += 1
            if _owned(session, tenant, ACTION_PLAN_TYPE) is None:
                _plan(session, tenant, user)
                made["plans"] += 1
    sunne, keeper = tenants["sunne"], users[KEEPERS["sunne"]]
    with scoped(session, TenantScope.for_tenant(sunne.id, keeper.id)):
        if not _steering_exists(session, sunne):
            _steering_group(session, tenants, users)
            made["councils"] += 1
    session.flush()
    return made


def _owned(session: Session, tenant: Tenant, type_name: str) -> Record | None:
    return session.scalars(
        select(Record)
        .where(Record.tenant_id == tenant.id, Record.type_name == type_name)
        .order_by(Record.id.desc())
    ).first()


def _steering_exists(session: Session, tenant: Tenant) -> bool:
    return any(
        (r.data or {}).get("kind") == "steering_group"
        for r in session.scalars(
            select(Record).where(
                Record.tenant_id == tenant.id, Record.type_name == councils.COUNCIL_TYPE
            )
        )
    )


def _meeting_days(count: int) -> list[date]:
    """``count`` meetings spread over the past year, plus one ahead."""
    today = plans.today()
    step = 365 // count
    return [today - timedelta(days=step * i + 10) for i in range(count - 1, -1, -1)] + [
        today + timedelta(days=21)
    ]


def _council(session, tenant, user, police, police_user) -> Record:
    name = tenant.name.replace(" kommun", "")
    body = councils.create_council(
        session,
        name=f"Brottsförebyggande rådet i {name}",
        kind="bra_council",
        purpose="Samordnar kommunens brottsförebyggande arbete enligt lag 2023:196.",
        user=user,
    )
    councils.add_member(
        session, body, tenant=tenant, member_user=user, role="Samordnare", user=user
    )
    councils.add_member(
        session,
        body,
        tenant=tenant,
        person_name="Kommunstyrelsens ordförande",
        role="Ordförande",
        user=user,
    )
    if police is not None and tenant.slug in SHARERS:
        councils.add_member(
            session, body, tenant=police, member_user=police_user, role="Kommunpolis", user=user
        )
    _year_of_meetings(session, body, user, police if tenant.slug in SHARERS else None, police_user)
    return body


def _year_of_meetings(session, body, user, police, police_user) -> None:
    for index, day in enumerate(_meeting_days(councils.planned_meetings(body))):
        meeting = councils.add_meeting(
            session,
            body,
            meeting_on=day,
            place="Kommunhuset",
            agenda="Lägesbilden sedan förra mötet\nÅtgärdsplanens uppföljning\nÖvriga frågor",
            minutes_text=None if day > plans.today() else "Protokoll fört av samordnaren.",
            user=user,
        )
        if day > plans.today():
            continue
        councils.add_decision(
            session,
            body,
            meeting,
            text="Rådet noterar lägesbilden och uppföljningen av åtgärdsplanen.",
            paragraph=f"§ {index + 1}",
            user=user,
        )
        if index == 2:
            owner = police if police is not None else user
            councils.add_assignment(
                session,
                body,
                title="Ta fram polisens statistik inför nästa lägesbild",
                owner_tenant=police if police is not None else session.get(Tenant, body.tenant_id),
                owner_user=police_user if police is not None else owner,
                due_on=plans.today() + timedelta(days=20),
                meeting=meeting,
                user=user,
            )


def _steering_group(session, tenants, users) -> None:
    user = users[KEEPERS["sunne"]]
    body = councils.create_council(
        session,
        name="SuToHaMu styrgrupp för brottsförebyggande arbete",
        kind="steering_group",
        consortium="sutohamu",
        purpose="Gemensam styrning av lägesbild och åtgärder i SuToHaMu-kommunerna.",
        user=user,
    )
    for slug in KEEPERS:
        councils.add_member(
            session,
            body,
            tenant=tenants[slug],
            member_user=users[KEEPERS[slug]],
            role="Samordnare",
            user=user,
        )
    for index, day in enumerate(_meeting_days(4)):
        meeting = councils.add_meeting(
            session, body, meeting_on=day, place="Digitalt", agenda="Gemensam lägesbild", user=user
        )
        if index == 3:
            councils.add_assignment(
                session,
                body,
                title="Sammanställ en gemensam lägesbild för SuToHaMu",
                owner_tenant=tenants["hagfors"],
                owner_user=users[KEEPERS["hagfors"]],
                due_on=plans.today() + timedelta(days=25),
                meeting=meeting,
                user=user,
            )


def _picture(session: Session, tenant: Tenant, user) -> Record:
    """The tenant's latest situation picture with problems, or a new small one."""
    for picture in session.scalars(
        select(Record)
        .where(
            Record.tenant_id == tenant.id,
            Record.type_name == SITUATION_PICTURE_TYPE,
            Record.deleted_at.is_(None),
        )
        .order_by(Record.id.desc())
    ):
        if problems_of(picture.data or {}):
            return picture
    year = plans.today().year
    return records.create_record(
        session,
        record_type=SITUATION_PICTURE_TYPE,
        title=f"Lägesbild {tenant.name} {year}",
        data={
            "period_start": f"{year - 1}-01-01",
            "period_end": f"{year - 1}-12-31",
            "scope": "municipality",
            "analysis": "Sammanställd från enheternas rapporter och polisens statistik.",
            "problems": PROBLEMS.get(tenant.slug, "Otrygghet i centrum"),
        },
        user=user,
    )


def _plan(session: Session, tenant: Tenant, user) -> Record:
    picture = _picture(session, tenant, user)
    problems = problems_of(picture.data or {})
    year = plans.today().year
    plan = records.create_record(
        session,
        record_type=ACTION_PLAN_TYPE,
        title=f"Åtgärdsplan {tenant.name} {year}",
        data={
            "title": f"Åtgärdsplan {tenant.name} {year}",
            "valid_from": f"{year}-01-01",
            "valid_to": f"{year}-12-31",
            "summary": "Åtgärder mot orsakerna bakom problemen i lägesbilden.",
        },
        user=user,
    )
    for text, number, measures in CAUSES:
        cause = plans.add_cause(
            session,
            plan,
            description=text,
            picture_id=picture.id,
            problem_number=min(number, len(problems)),
            user=user,
        )
        for title, goal, due, who, effort, statuses in measures:
            measure = plans.add_measure(
                session,
                plan,
                cause_id=cause.id,
                title=title,
                operational_goal=goal,
                start_on=plans.today() - timedelta(days=150),
                due_on=plans.today() + timedelta(days=due),
                responsible_tenant=tenant,
                responsible_name=who,
                effort=effort,
                hours=40,
                user=user,
            )
            for back, status in zip(range(len(statuses), 0, -1), statuses, strict=True):
                plans.follow_up(
                    session,
                    plan,
                    measure,
                    status=status,
                    comment="Enligt plan." if status == "green" else "Försenad leverans.",
                    followed_up_on=plans.today() - timedelta(days=30 * back),
                    user=user,
                )
    record_decision(
        session,
        plan,
        body="Kommunstyrelsen",
        decided_on=plans.today() - timedelta(days=60),
        minute_paragraph="§ 12",
        user=user,
    )
    return plan
