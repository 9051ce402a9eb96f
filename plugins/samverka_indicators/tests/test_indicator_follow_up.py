"""Targets and follow-up: a baseline (entered or computed) and a target per indicator and
tenant, progress read against the indicator's direction, indicators attached to action-plan
measures (the measure's follow-up shows the trend against the target, through the core's hook
``measure_summaries``), and the indicator section of a compiled situation picture."""

from __future__ import annotations

from datetime import date

import pytest
from indicatorkit import indicator, plan_measure, put
from samverka_indicators import follow_up
from samverka_indicators.models import MeasureLink, Target
from sqlalchemy import func, select

from samverka.testing import core
from samverka.toolkit import ValidationError

POPULATION = 13_000
CRIMES = {"2021": 130, "2022": 120, "2023": 110}  # 1000.0, 923.1, 846.2 per 100 000


def seed_sunne(db, acting, ind):
    for year, crimes in CRIMES.items():
        put(db, acting, ind.world.a, ind.crimes, year, crimes)
        put(db, acting, ind.world.a, ind.population, year, POPULATION)


def test_the_baseline_is_computed_when_left_empty_and_progress_follows_the_direction(
    db, ind, acting
):
    seed_sunne(db, acting, ind)
    sunne = ind.world.a
    violence = indicator(db, acting, sunne)
    with acting(sunne, ind.world.admin_a):
        target = follow_up.save_target(
            db, sunne, violence, baseline_period="2021", target_period="2026", target_value="800"
        )
        db.commit()
        assert (target.baseline_value, target.target_value) == (1000.0, 800.0)
        p = follow_up.progress(db, sunne, violence, sunne.id, follow_up.target_of(db, violence))
    assert [c.period for c in p.cells] == ["2021", "2022", "2023", "2024", "2025", "2026"]
    assert p.latest.period == "2023" and p.latest.rate == pytest.approx(110 / 13_000 * 1e5)
    assert p.trend == "down"  # lower is better: a fall is progress
    assert p.status == "on_track"
    # (846.15 - 1000) / (800 - 1000), by hand
    assert p.share == pytest.approx((110 / 13_000 * 1e5 - 1000) / (800 - 1000))


def test_a_target_passed_is_met_and_a_rise_is_off_track(db, ind, acting):
    seed_sunne(db, acting, ind)
    sunne = ind.world.a
    violence = indicator(db, acting, sunne)
    with acting(sunne, ind.world.admin_a):
        follow_up.save_target(
            db, sunne, violence, baseline_period="2021", target_period="2025", target_value=850
        )
        met = follow_up.progress(db, sunne, violence, sunne.id, follow_up.target_of(db, violence))
        follow_up.save_target(
            db,
            sunne,
            violence,
            baseline_period="2021",
            baseline_value="700,5",  # Swedish decimal comma
            target_period="2025",
            target_value=600,
        )
        off = follow_up.progress(db, sunne, violence, sunne.id, follow_up.target_of(db, violence))
        db.commit()
        assert db.scalar(select(func.count()).select_from(Target)) == 1  # replaced, not added
    assert (met.status, met.share) == ("met", 1.0)
    assert off.target.baseline_value == 700.5
    assert off.status == "off_track" and off.share < 0


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"target_value": "många"}, "target_value"),
        ({"baseline_period": "2021-01"}, "baseline_period"),
        ({"target_period": "2020"}, "target_period"),  # before the baseline
        ({"target_period": "2026Q4"}, "target_period"),  # not the baseline's kind
        ({"baseline_period": "2019"}, "baseline_value"),  # no value to compute it from
        ({"target_value": "nan"}, "target_value"),
    ],
)
def test_bad_targets_are_refused_and_store_nothing(db, ind, acting, given, field):
    seed_sunne(db, acting, ind)
    sunne = ind.world.a
    violence = indicator(db, acting, sunne)
    fields = {"baseline_period": "2021", "target_period": "2026", "target_value": "800"} | given
    with acting(sunne, ind.world.admin_a):
        with pytest.raises(ValidationError) as caught:
            follow_up.save_target(db, sunne, violence, **fields)
        db.rollback()
        assert caught.value.field == field
        assert db.scalar(select(func.count()).select_from(Target)) == 0


def test_a_measure_shows_the_trend_against_the_target_also_where_the_plan_is_shared(
    db, ind, acting
):
    world = ind.world
    seed_sunne(db, acting, ind)
    plan_id, measure_id = plan_measure(db, world, acting)
    violence = indicator(db, acting, world.a)
    with acting(world.a, world.admin_a):
        follow_up.save_target(
            db, world.a, violence, baseline_period="2021", target_period="2026", target_value=800
        )
        follow_up.link_measure(db, world.a, violence, measure_id)
        follow_up.link_measure(db, world.a, violence, str(measure_id))  # idempotent
        plan = core.get_record(db, plan_id, user=world.admin_a, viewer_tenant=world.a)
        core.share_record(db, plan, tenant=world.b, user=world.admin_a)
        db.commit()
        [cause] = core.plan_view(db, plan, world.a)
        assert db.scalar(select(func.count()).select_from(MeasureLink)) == 1
    [summary] = cause.measures[0].indicators
    assert summary["label"] == "Anmälda våldsbrott per 100 000 invånare"
    assert summary["value"] == "846.2 in 2023 (count 110)"
    assert (summary["trend"], summary["trend_text"]) == ("down", "falling")
    assert summary["target"] == "baseline 1,000.0 (2021), target 800.0 by 2026"
    assert summary["status_text"] == "Moving towards the target (77 %)"
    assert summary["url"].endswith("/t/sunne/indicators/violence")
    with acting(world.b, world.admin_b):  # Torsby reads Sunne's shared plan
        shared = core.get_record(db, plan_id, user=world.admin_b, viewer_tenant=world.b)
        [cause] = core.plan_view(db, shared, world.b)
    assert cause.measures[0].indicators[0]["value"] == "846.2 in 2023 (count 110)"


def test_only_the_tenants_own_measures_can_be_attached(db, ind, acting):
    world = ind.world
    _plan, sunne_measure_id = plan_measure(db, world, acting)
    violence = indicator(db, acting, world.b)
    with acting(world.b, world.admin_b):
        for wrong in (sunne_measure_id, "x", None, 10**12):
            with pytest.raises(ValidationError) as caught:
                follow_up.link_measure(db, world.b, violence, wrong)
            assert caught.value.field == "measure"
        db.rollback()
    with acting(world.a):
        assert db.scalar(select(func.count()).select_from(MeasureLink)) == 0


def test_a_tenant_that_disables_the_plugin_shows_no_indicators_on_its_measures(
    app, db, ind, acting
):
    world = ind.world
    seed_sunne(db, acting, ind)
    plan_id, measure_id = plan_measure(db, world, acting)
    violence = indicator(db, acting, world.a)
    with acting(world.a, world.admin_a):
        follow_up.link_measure(db, world.a, violence, measure_id)
        core.disable_plugin(app, db, world.a, "indicators")
        db.commit()
        plan = core.get_record(db, plan_id, user=world.admin_a, viewer_tenant=world.a)
        [cause] = core.plan_view(db, plan, world.a)
    assert cause.measures[0].indicators == []


def test_the_situation_picture_gets_an_indicator_section(db, ind, acting):
    world = ind.world
    seed_sunne(db, acting, ind)
    violence = indicator(db, acting, world.a)
    with acting(world.a, world.admin_a):
        follow_up.save_target(
            db, world.a, violence, baseline_period="2021", target_period="2026", target_value=800
        )
        sections = core.plugin_sections(db, world.a, (date(2023, 1, 1), date(2023, 12, 31)))
        db.rollback()
    [section] = [s for s in sections if s["title"] == "Indicators"]
    header, row = section["table"]
    assert header == ["Indicator", "2021", "2022", "2023", "Target"]
    assert row == [
        "Anmälda våldsbrott per 100 000 invånare",
        "1,000.0 (130)",
        "923.1 (120)",
        "846.2 (110)",
        "800.0 by 2026",
    ]
    assert "never shown as 0" in section["text"]
    assert core.table_lines(section["table"]) == [
        "Anmälda våldsbrott per 100 000 invånare – 2021: 1,000.0 (130); 2022: 923.1 (120);"
        " 2023: 846.2 (110); Target: 800.0 by 2026"
    ]
    with acting(world.c, world.admin_c):  # Hagfors has not enabled the plugin
        assert core.plugin_sections(db, world.c, (date(2023, 1, 1), date(2023, 12, 31))) == []


def test_follow_up_evidence_counts_measured_measures(db, ind, acting):
    from samverka_indicators.cycle import follow_up_evidence

    world = ind.world
    seed_sunne(db, acting, ind)
    _plan, measure_id = plan_measure(db, world, acting)
    violence = indicator(db, acting, world.a)
    with acting(world.a, world.admin_a):
        assert follow_up_evidence(db, world.a) == []  # nothing followed up yet
        follow_up.link_measure(db, world.a, violence, measure_id)
        follow_up.save_target(
            db, world.a, violence, baseline_period="2023", target_period="2026", target_value=800
        )
        [only_baseline] = follow_up_evidence(db, world.a)
        follow_up.save_target(
            db, world.a, violence, baseline_period="2021", target_period="2026", target_value=800
        )
        [measured] = follow_up_evidence(db, world.a)
        db.rollback()
    assert only_baseline["duty"] == "follow_up" and only_baseline["met"] is False
    assert measured["met"] is True
    assert measured["summary"] == (
        "Measures followed up by indicators: 1; with a target: 1; "
        "with a value after the baseline: 1."
    )
