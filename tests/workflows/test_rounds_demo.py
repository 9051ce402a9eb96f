"""The demo's year of rounds for SuToHaMu: twelve compiled, shared monthly pictures per
municipality (every third decided), the current month's round open with units missing,
Polisen LPO Torsby's reports owned by its own tenant, the consortium picture; idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from samverka import demo
from samverka.db import TenantScope, scoped
from samverka.demo import rounds as rounds_demo
from samverka.records.models import Record
from samverka.tenants.models import Tenant
from samverka.workflows.decisions import Decision
from samverka.workflows.rounds.models import ReportingRound, RoundReport


def test_a_year_of_rounds(ctx, db, registry):
    demo.seed(db, registry)
    db.commit()
    slugs = {t.slug: t for t in db.scalars(select(Tenant))}
    with scoped(db, TenantScope.for_tenant(slugs["torsby"].id)):
        found = db.scalars(select(ReportingRound).order_by(ReportingRound.period_start)).all()
        assert len(found) == 13
        assert [r.status for r in found].count("open") == 1
        pictures = db.scalar(
            select(func.count())
            .select_from(Record)
            .where(
                Record.type_name == "core.situation_picture", Record.tenant_id == slugs["torsby"].id
            )
        )
        assert pictures == 12
        decided = (  # decisions on pictures (the demo also decides action plans)
            select(func.count())
            .select_from(Decision)
            .join(Record, Record.id == Decision.record_id)
            .where(Record.type_name == "core.situation_picture")
        )
        assert db.scalar(decided.where(Decision.tenant_id == slugs["torsby"].id)) == 4
        assert db.scalar(decided) == 16  # the members' pictures are shared with SuToHaMu
        owners = set(db.scalars(select(RoundReport.tenant_id)))
        assert owners == {slugs["torsby"].id, slugs["polisen-lpo-torsby"].id}
    with scoped(db, TenantScope.for_tenant(slugs["hagfors"].id)):
        consortium = db.scalars(
            select(Record).where(
                Record.type_name == "core.situation_picture", Record.title.like("%SuToHaMu%")
            )
        ).all()
        assert len(consortium) == 1 and "Sunne kommun" in consortium[0].data["mapping"]
    assert rounds_demo.seed_rounds(db, registry) == 0
