"""The demo's councils and action plans: a year of meetings per municipality, the joint
steering group seen by every SuToHaMu municipality, plans linked to the pictures' problems
with red and yellow measures, idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from samverka import demo
from samverka.auth.models import User
from samverka.db import TenantScope, scoped
from samverka.demo.action_plans import seed_plans
from samverka.records.models import Record
from samverka.tenants.models import Tenant
from samverka.workflows.action_plans import services as plans
from samverka.workflows.action_plans.overview import evidence, overview_items
from samverka.workflows.councils import services as councils


def test_the_demo_runs_a_year_of_the_cycle(ctx, db, registry):
    demo.seed(db, registry)
    db.commit()
    tenants = {t.slug: t for t in db.scalars(select(Tenant))}
    coordinator = db.scalar(select(User).where(User.email == "samordnare@hagfors.test"))
    with scoped(db, TenantScope.for_tenant(tenants["hagfors"].id, coordinator.id)):
        bodies = councils.councils_visible(db)
        kinds = sorted(b.data["kind"] for b in bodies)
        assert kinds == ["bra_council", "steering_group"]
        meetings = db.scalar(select(func.count()).select_from(councils.CouncilMeeting))
        assert meetings == 5 + 5  # four held and one ahead, in each body
        [plan] = db.scalars(
            select(Record).where(
                Record.type_name == "core.action_plan", Record.tenant_id == tenants["hagfors"].id
            )
        ).all()
        views = plans.plan_view(db, plan, tenants["hagfors"])
        assert [v.flagged for v in views] == [False, False, True]
        statuses = {m.status for v in views for m in v.measures}
        assert {"red", "yellow", "green"} <= statuses
        items = overview_items(db, tenants["hagfors"], coordinator)
        assert {"red_measure", "meeting", "assignment"} <= {i["kind"] for i in items}
        duties = {e["duty"]: e["met"] for e in evidence(db, tenants["hagfors"])}
        assert duties == {"action_plan": True, "council_meetings": True, "follow_up": True}
    police = db.scalar(select(User).where(User.email == "kommunpolis@polisen.test"))
    with scoped(db, TenantScope.for_tenant(tenants["polisen-lpo-torsby"].id, police.id)):
        mine = councils.my_assignments(db, tenants["polisen-lpo-torsby"], police)
        assert len(mine) == 3  # from the councils of Sunne, Hagfors and Munkfors
    assert seed_plans(db) == {"councils": 0, "plans": 0}


def test_the_archive_holds_the_cycle_rows(ctx, db, registry):
    from samverka.workflows.action_plans.archive import export_cycle_rows

    demo.seed(db, registry)
    db.commit()
    written: dict[str, list] = {}

    class Archive:
        def add_jsonl(self, path, rows):
            written[path] = list(rows)

    hagfors = db.scalar(select(Tenant).where(Tenant.slug == "hagfors"))
    counts = export_cycle_rows(db, hagfors, Archive())
    assert counts["council_meetings"] == 5 and counts["plan_causes"] == 3
    assert all(row["tenant_id"] == hagfors.id for rows in written.values() for row in rows)
    assert len(written["cycle/plan_follow_ups.jsonl"]) == 4
