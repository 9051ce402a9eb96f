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


def test_every_demo_picture_has_its_charts_and_its_map(ctx, db, registry):
    """Issue 16: a compiled demo picture shows its charts and a map of its areas (every
    demo area has a border in the register), in the page's data and in the PDF."""
    from flask_babel import force_locale

    from samverka.workflows.pictures import figures
    from samverka.workflows.pictures import services as pictures
    from samverka.workflows.pictures.charts import area_figures, area_map, picture_charts

    demo.seed(db, registry)
    db.commit()
    hagfors = db.scalar(select(Tenant).where(Tenant.slug == "hagfors"))
    with scoped(db, TenantScope.for_tenant(hagfors.id)), force_locale("en"):
        newest_round = db.scalars(
            select(ReportingRound)
            .where(ReportingRound.picture_record_id.is_not(None))
            .order_by(ReportingRound.period_start.desc())
        ).first()
        latest = db.get(Record, newest_round.picture_record_id)
        found = figures.picture_figures(db, hagfors, latest)
        titles = [chart.title for chart in picture_charts(found)]
        assert titles[:4] == [
            "Events by category",
            "The last 12 months by category",
            "Events by weekday and time of day",
            "Events by area",
        ]
        mapped = area_figures(db, latest)
        assert {f.name for f in mapped} <= set(rounds_demo.MUNICIPALITIES["hagfors"])
        assert len(mapped) >= 3 and sum(f.value for f in mapped) == found.comparison.now_total
        shown = area_map(mapped)
        assert shown is not None and len(shown.features) == len(mapped)
        document = pictures.picture_document(db, hagfors, {"record_id": latest.id, "user_id": None})
        section = next(s for s in document.sections if s.heading == "Figures")
        assert section.charts[-1].title == "Events by area on the map"
        assert all(chart.alt for chart in section.charts)
