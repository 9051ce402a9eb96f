"""Definitions, values and computation: the expression parser (no eval), unknown elements,
zero denominators as "no value", idempotent upserts, missing/secret never 0, a per-100 000
rate for Munkfors by hand, ratio of sums at consortium level, multi-year averages and the
comparison's small-number suppression."""

from __future__ import annotations

import pytest
from indicatorkit import indicator, put
from samverka_indicators import services
from samverka_indicators.expressions import NoValue, parse
from samverka_indicators.models import DataValue
from sqlalchemy import select

from samverka.testing import core
from samverka.toolkit import ValidationError


def test_expressions_parse_and_evaluate_without_eval(ctx):
    expr = parse("(#{a} + #{b}) × 2 ÷ #{c} − -1")
    assert expr.references == {"a", "b", "c"}
    assert expr.evaluate({"a": 1, "b": 3, "c": 4}) == 3.0
    with pytest.raises(NoValue) as no:
        expr.evaluate({"a": 1, "b": 3, "c": 0})
    assert no.value.reason == "zero_denominator"
    with pytest.raises(NoValue):
        expr.evaluate({"a": None, "b": 3, "c": 4})
    for bad in ["__import__('os')", "#{a} +", "(1", "#{a} ** 2", ""]:
        with pytest.raises(ValidationError):
            parse(bad)


def test_an_unknown_element_is_a_clear_error(db, ind, acting):
    with acting(ind.world.a), pytest.raises(ValidationError, match="unknown data element: X1"):
        services.define_indicator(db, ind.world.a, "x", "X", "#{X1}", "#{N01951}")


def test_munkfors_per_100000_equals_a_hand_calculation(db, ind, acting):
    put(db, acting, ind.munkfors, ind.crimes, "2023", 31)
    put(db, acting, ind.munkfors, ind.population, "2023", 3669)
    with acting(ind.munkfors):
        cells = services.compute(
            db, ind.munkfors, indicator(db, acting, ind.munkfors), [ind.munkfors.id], ["2023"]
        )
    cell = cells[(ind.munkfors.id, "2023")]
    assert cell.numerator == 31 and cell.denominator == 3669
    assert cell.rate == pytest.approx(31 / 3669 * 100_000)  # 844.9
    assert round(cell.rate, 1) == 844.9


def test_upserts_are_idempotent_and_missing_or_secret_is_never_zero(db, ind, acting):
    assert put(db, acting, ind.world.a, ind.crimes, "2024", 100).inserted == 1
    assert put(db, acting, ind.world.a, ind.crimes, "2024", 100).unchanged == 1
    assert put(db, acting, ind.world.a, ind.crimes, "2024", 101).updated == 1
    put(db, acting, ind.world.a, ind.crimes, "2023", 55, status="secret")
    put(db, acting, ind.world.a, ind.crimes, "2022", None, status="final")
    with acting(ind.world.a):
        rows = {v.period: (v.value, v.status) for v in db.scalars(select(DataValue))}
    assert rows == {"2024": (101, "final"), "2023": (None, "secret"), "2022": (None, "missing")}
    put(db, acting, ind.world.a, ind.population, "2023", 13366)
    with acting(ind.world.a):
        cell = services.compute(
            db, ind.world.a, indicator(db, acting, ind.world.a), [ind.world.a.id], ["2023"]
        )[(ind.world.a.id, "2023")]
    assert cell.rate is None and cell.numerator is None and cell.reason == "missing"


def test_a_zero_denominator_is_no_value(db, ind, acting):
    put(db, acting, ind.world.a, ind.crimes, "2024", 10)
    put(db, acting, ind.world.a, ind.population, "2024", 0)
    with acting(ind.world.a):
        cell = services.compute(
            db, ind.world.a, indicator(db, acting, ind.world.a), [ind.world.a.id], ["2024"]
        )[(ind.world.a.id, "2024")]
    assert cell.rate is None and cell.reason == "zero_denominator"


def seed(db, acting, ind):
    data = {ind.world.a: (120, 13366), ind.world.b: (90, 11387), ind.munkfors: (3, 3669)}
    for tenant, (crimes, population) in data.items():
        put(db, acting, tenant, ind.crimes, "2024", crimes)
        put(db, acting, tenant, ind.population, "2024", population)
    return data


def test_consortium_level_is_a_ratio_of_sums(db, ind, acting):
    data = seed(db, acting, ind)
    with acting(ind.world.a):
        result = services.compare(db, ind.world.a, indicator(db, acting, ind.world.a), ["2024"])
    total = result.total["2024"]
    ratio_of_sums = 100_000 * sum(c for c, _ in data.values()) / sum(p for _, p in data.values())
    sum_of_ratios = sum(100_000 * c / p for c, p in data.values())
    mean_of_ratios = sum_of_ratios / 3
    assert total.rate == pytest.approx(ratio_of_sums)  # 755.9
    assert total.rate != pytest.approx(mean_of_ratios)
    assert total.numerator == 213 and total.denominator == 28422


def test_comparison_suppresses_small_counts_and_a_complementary_cell(db, ind, acting):
    seed(db, acting, ind)
    with acting(ind.world.a):
        result = services.compare(db, ind.world.a, indicator(db, acting, ind.world.a), ["2024"])
    cells = {member.slug: row["2024"] for member, row in result.rows}
    assert cells["munkfors"].suppressed  # 3 reported crimes
    assert cells["torsby"].suppressed  # the smallest other: else 213 - 120 - x gives Munkfors
    assert not cells["sunne"].suppressed
    assert result.suppressed_any


def test_the_comparison_excludes_hagfors_outside_the_consortium(db, ind, acting):
    seed(db, acting, ind)
    with acting(ind.world.a):
        result = services.compare(db, ind.world.a, indicator(db, acting, ind.world.a), ["2024"])
    assert [m.slug for m, _ in result.rows] == ["munkfors", "sunne", "torsby"]


def test_multi_year_average_pools_counts_and_population(db, ind, acting):
    for year, crimes in (("2022", 20), ("2023", 31), ("2024", 25)):
        put(db, acting, ind.munkfors, ind.crimes, year, crimes)
        put(db, acting, ind.munkfors, ind.population, year, 3669)
    with acting(ind.munkfors):
        cell = services.multi_year(
            db,
            ind.munkfors,
            indicator(db, acting, ind.munkfors),
            ind.munkfors.id,
            ["2022", "2023", "2024"],
        )
    assert cell.rate == pytest.approx(100_000 * 76 / (3 * 3669))
    assert cell.period == "2022–2024"


def test_series_of_the_core_become_data_elements_with_values(db, ind, acting):
    with acting(ind.world.a, ind.world.admin_a):
        for title in ("Lägesbild", "Handlingsplan"):
            core.create_record(
                db,
                record_type="core.document",
                title=title,
                data={"body": "x"},
                user=ind.world.admin_a,
            )
        db.commit()
    with acting(ind.world.a, ind.world.admin_a):
        first = services.sync_sources(db, ind.world.a)
        db.commit()
        again = services.sync_sources(db, ind.world.a)
        element = services.visible_elements(db, ind.world.a)["core.records.core.document"]
        stored = db.scalars(select(DataValue).where(DataValue.element_id == element.id)).all()
    assert element.source == "core"
    assert [(v.value, v.status) for v in stored] == [(2.0, "final")]
    assert (first.inserted, again.inserted, again.unchanged) == (1, 0, 1)


def test_the_demo_seed_gives_every_member_a_rate_and_is_idempotent(db, ind):
    from samverka_indicators import demo

    members = [ind.world.a, ind.world.b, ind.munkfors]
    assert demo.seed(db, members) == 3 * 7 * 3
    db.commit()
    assert demo.seed(db, members) == 0
    db.commit()
    with core.in_tenant(db, ind.world.a):
        found = {i.code: i for i in services.visible_indicators(db, ind.world.a)}
        result = services.compare(db, ind.world.a, found["violence_per_100k"], demo.YEARS)
    rates = [row["2024"].rate for _, row in result.rows]
    assert all(500 < rate < 1200 for rate in rates)


def test_consortium_totals_in_sql_agree_and_drop_incomplete_members(db, ind, acting):
    seed(db, acting, ind)
    put(db, acting, ind.world.b, ind.crimes, "2023", 80)  # Torsby 2023: no population
    put(db, acting, ind.world.a, ind.crimes, "2023", 100)
    put(db, acting, ind.world.a, ind.population, "2023", 13300)
    with acting(ind.world.a):
        found = indicator(db, acting, ind.world.a)
        ids = [t.id for t in ind.tenants]
        totals = services.consortium_totals(db, ind.world.a, found, ids, ["2023", "2024"])
        compared = services.compare(db, ind.world.a, found, ["2023", "2024"])
    assert totals["2024"].rate == pytest.approx(compared.total["2024"].rate)
    assert (totals["2023"].numerator, totals["2023"].denominator) == (100, 13300)
    assert totals["2023"].rate == pytest.approx(compared.total["2023"].rate)
    with acting(ind.world.a):  # a subset of the members narrows the totals to it
        sunne = services.consortium_totals(db, ind.world.a, found, [ind.world.a.id], ["2024"])
    cell = dict((m.id, cells) for m, cells in compared.rows)[ind.world.a.id]["2024"]
    assert (sunne["2024"].numerator, sunne["2024"].denominator) == (
        cell.numerator,
        cell.denominator,
    )
    assert sunne["2024"].numerator != totals["2024"].numerator


def test_a_year_is_rolled_up_from_months_by_each_elements_aggregation(db, ind, acting):
    """Crimes (sum) over twelve months, population (last) at December; a year with a month
    missing has no count (it would count the month as 0), and a year of its own wins."""
    sunne = ind.world.a
    for month in range(1, 13):
        put(db, acting, sunne, ind.crimes, f"2023{month:02d}", 10 + month)
        put(db, acting, sunne, ind.population, f"2023{month:02d}", 13_000 + month)
    for month in range(1, 12):  # 2024: no December
        put(db, acting, sunne, ind.crimes, f"2024{month:02d}", 10)
        put(db, acting, sunne, ind.population, f"2024{month:02d}", 13_100)
    for quarter in range(1, 5):  # 2022: quarters only
        put(db, acting, sunne, ind.crimes, f"2022Q{quarter}", 30)
    put(db, acting, sunne, ind.population, "2022", 12_900)
    with acting(sunne):
        found = indicator(db, acting, sunne)
        cells = services.compute(db, sunne, found, [sunne.id], ["2022", "2023", "2024", "2023Q2"])
    crimes_2023 = sum(10 + m for m in range(1, 13))  # 198
    assert cells[(sunne.id, "2023")].numerator == crimes_2023
    assert cells[(sunne.id, "2023")].denominator == 13_012  # the last month's population
    assert cells[(sunne.id, "2023")].rate == pytest.approx(100_000 * crimes_2023 / 13_012)
    assert cells[(sunne.id, "2023Q2")].numerator == 14 + 15 + 16
    assert cells[(sunne.id, "2024")].rate is None
    assert cells[(sunne.id, "2024")].reason == "missing"
    assert cells[(sunne.id, "2022")].numerator == 120  # from the quarters
    assert cells[(sunne.id, "2022")].denominator == 12_900  # the year's own value


def test_an_average_element_rolls_up_as_a_mean():
    from samverka_indicators.rollups import roll_up, sub_periods

    quarters = {"2024Q1": 40.0, "2024Q3": 60.0}
    assert roll_up(quarters, sub_periods("2024"), "average") == 50.0
    assert roll_up(quarters, sub_periods("2024"), "sum") is None  # two quarters missing
    assert roll_up(quarters, sub_periods("2024"), "last") == 60.0
    assert roll_up(quarters, sub_periods("2024Q1"), "sum") is None  # no months


def test_a_derived_year_follows_its_months_and_yields_to_its_own_value(db, ind, acting):
    sunne = ind.world.a
    for month in range(1, 13):
        put(db, acting, sunne, ind.crimes, f"2023{month:02d}", 10)

    def year_row():
        with acting(sunne):
            row = db.scalar(
                select(DataValue).where(
                    DataValue.element_id == ind.crimes, DataValue.period == "2023"
                )
            )
            return None if row is None else (row.value, row.status, row.derived)

    assert year_row() == (120.0, "final", True)
    put(db, acting, sunne, ind.crimes, "202305", 15, status="preliminary")
    assert year_row() == (125.0, "preliminary", True)
    put(db, acting, sunne, ind.crimes, "202312", None, status="secret")
    assert year_row() is None  # eleven months: no year (and the secret month stays hidden)
    put(db, acting, sunne, ind.crimes, "2023", 130)  # Brå's own yearly figure
    assert year_row() == (130.0, "final", False)
    put(db, acting, sunne, ind.crimes, "202312", 12)
    assert year_row() == (130.0, "final", False)  # its own value wins


def test_an_average_element_is_averaged_over_the_complete_members(db, ind, acting):
    with acting(ind.world.b, ind.world.admin_b):
        safe = services.define_element(
            db, ind.world.b, "safe", "Känner sig trygga", aggregation="average", shared=True
        )
        services.define_indicator(
            db, ind.world.b, "safe_share", "Andel trygga", "#{safe}", shared=True
        )
        services.define_indicator(
            db,
            ind.world.b,
            "crimes_per_safe",
            "Brott per trygghetsprocent",
            "#{N07403c}",
            "#{safe}",
            shared=True,
        )
        db.commit()
    shares = {ind.world.a: (60, 50), ind.world.b: (70, 80), ind.munkfors: (80, None)}
    for tenant, (in_2024, in_2023) in shares.items():
        put(db, acting, tenant, safe.id, "2024", in_2024)
        put(
            db,
            acting,
            tenant,
            safe.id,
            "2023",
            in_2023,
            status="missing" if in_2023 is None else "final",
        )
    seed(db, acting, ind)  # 2024 crimes: 120, 90, 3
    put(db, acting, ind.world.b, ind.crimes, "2023", 80)  # 2023: Torsby's only
    with acting(ind.world.a):
        ids = [t.id for t in ind.tenants]
        share = indicator(db, acting, ind.world.a, "safe_share")
        totals = services.consortium_totals(db, ind.world.a, share, ids, ["2023", "2024"])
        compared = services.compare(db, ind.world.a, share, ["2023", "2024"])
        mixed = indicator(db, acting, ind.world.a, "crimes_per_safe")
        mixed_totals = services.consortium_totals(db, ind.world.a, mixed, ids, ["2023", "2024"])
        mixed_compared = services.compare(db, ind.world.a, mixed, ["2023", "2024"])
    # every member complete in 2024 (one GROUP BY): (60 + 70 + 80) / 3, not the sum 210
    assert totals["2024"].rate == pytest.approx(70.0)
    # Munkfors missing in 2023 (the per-member query): (50 + 80) / 2 over Sunne and Torsby
    assert totals["2023"].rate == pytest.approx(65.0)
    assert compared.total["2024"].rate == pytest.approx(70.0)
    assert compared.total["2023"].rate == pytest.approx(65.0)
    assert compared.total["2023"].tenants == sorted([ind.world.a.id, ind.world.b.id])
    # a sum over an average: (120 + 90 + 3) / 70; in 2023 Torsby alone has both: 80 / 80
    assert mixed_totals["2024"].rate == pytest.approx(213 / 70)
    assert mixed_totals["2023"].rate == pytest.approx(1.0)
    for period in ("2023", "2024"):
        assert mixed_compared.total[period].rate == pytest.approx(mixed_totals[period].rate)
