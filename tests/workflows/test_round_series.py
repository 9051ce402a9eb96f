"""Reporting rounds as indicator series: one series per category of the tenant's own rounds,
summed per month of the round's start and per year; a partner's reports count for the
round's tenant only, and long or non-ASCII category keys get short, stable codes."""

from __future__ import annotations

from datetime import date

import pytest

from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import RoundUnit
from samverka.workflows.rounds.series import (
    MAX_CODE,
    RoundCounts,
    round_series,
    series_code,
    sum_rounds,
)


@pytest.fixture
def units(ctx, db, world, acting):
    """Sunne's (A) school plus Torsby (B) invited as a partner; Torsby's own school."""
    with acting(world.a, world.admin_a):
        made = {u.kind: u.id for u in rounds.ensure_default_units(db, world.a, user=world.admin_a)}
        police = rounds.add_unit(
            db,
            world.a,
            name="Polisen LPO Sunne",
            kind="police",
            partner=world.b,
            user=world.admin_a,
        )
        db.commit()
    with acting(world.b, world.admin_b):
        torsby = {
            u.kind: u.id for u in rounds.ensure_default_units(db, world.b, user=world.admin_b)
        }
        db.commit()
    return {"a_school": made["school"], "a_partner": police.id, "b_school": torsby["school"]}


def open_round(db, acting, tenant, user, unit_ids, start, cadence="monthly") -> int:
    with acting(tenant, user):
        round_ = rounds.open_round(
            db,
            tenant,
            unit_ids=unit_ids,
            period_start=start,
            cadence=cadence,
            deadline="2030-01-01",
            user=user,
        )
        db.commit()
        return round_.id


def report(db, acting, tenant, user, round_id, unit_name, lines) -> None:
    with acting(tenant, user):
        unit = db.query(RoundUnit).filter_by(round_id=round_id, unit_name=unit_name).one()
        rounds.submit_report(db, unit, lines=lines, user=user)
        db.commit()


def series_of(db, acting, tenant) -> dict:
    with acting(tenant):
        return {s.code: s for s in round_series(db, tenant)}


def test_counts_per_category_month_and_year_of_own_rounds_only(db, world, acting, units):
    a, b = world.a, world.b
    january = open_round(
        db, acting, a, world.admin_a, [units["a_school"], units["a_partner"]], "2025-01-10"
    )
    march = open_round(db, acting, a, world.admin_a, [units["a_school"]], "2025-03-30", "weekly")
    next_year = open_round(db, acting, a, world.admin_a, [units["a_school"]], "2026-02-01")
    open_round(db, acting, a, world.admin_a, [units["a_school"]], "2025-05-01")  # no reports
    vandalism = {"category": "vandalism", "count": 3, "area": "Centrum"}
    report(db, acting, a, world.contributor_a, january, "School", [vandalism])
    police = [{"category": "vandalism", "count": 4}, {"category": "graffiti", "count": 2}]
    report(db, acting, b, world.admin_b, january, "Polisen LPO Sunne", police)
    report(db, acting, a, world.contributor_a, march, "School", [vandalism])
    report(db, acting, a, world.contributor_a, next_year, "School", [])
    # Torsby's own round, where Torsby's school reports: not Sunne's
    torsby = open_round(db, acting, b, world.admin_b, [units["b_school"]], "2025-01-01")
    report(db, acting, b, world.admin_b, torsby, "School", [{"category": "arson", "count": 9}])

    found = series_of(db, acting, a)

    assert found["core.rounds.vandalism"].values == {
        "202501": 7.0,
        "202503": 3.0,  # a weekly round running into April counts in March
        "202602": 0.0,
    }
    assert found["core.rounds.graffiti"].values["202501"] == 2.0
    assert found["core.rounds.arson"].values == {
        "202501": 0.0,
        "202503": 0.0,
        "202602": 0.0,
    }
    assert "202505" not in found["core.rounds.vandalism"].values
    assert found["core.rounds.vandalism"].label == "Vandalism"
    assert {s.unit for s in found.values()} == {"antal"}
    # Torsby reported in Sunne's round and owns those reports, yet counts only its own round
    torsby_series = series_of(db, acting, b)
    assert torsby_series["core.rounds.arson"].values == {"202501": 9.0}
    assert torsby_series["core.rounds.vandalism"].values == {"202501": 0.0}


def test_a_municipality_category_with_a_long_swedish_key(db, world, acting, units):
    with acting(world.a, world.admin_a):
        own = rounds.add_category(
            db, world.a, label="Skadegörelse på lekplatser och i närområdet", user=world.admin_a
        )
        db.commit()
        key = own.key
    round_id = open_round(db, acting, world.a, world.admin_a, [units["a_school"]], "2025-06-01")
    report(
        db,
        acting,
        world.a,
        world.contributor_a,
        round_id,
        "School",
        [{"category": key, "count": 5}],
    )

    code = series_code(key)
    series = series_of(db, acting, world.a)[code]

    assert (
        len(code) == MAX_CODE and code.isascii() and code.startswith("core.rounds.x_skadegorelse")
    )
    assert series.label == "Skadegörelse på lekplatser och i närområdet"
    assert series.values == {"202506": 5.0}


def test_codes_are_short_stable_and_unique():
    long_one = "x_" + "a" * 50
    long_two = "x_" + "a" * 49 + "b"
    assert series_code("vandalism") == "core.rounds.vandalism"
    assert series_code(long_one) == series_code(long_one)
    assert series_code(long_one) != series_code(long_two)
    assert series_code("x_våld") != series_code("x_vald")
    assert all(len(series_code(k)) <= MAX_CODE for k in (long_one, "x_" + "ö" * 58))


def test_summing_is_pure_and_takes_the_latest_label():
    older = RoundCounts(date(2024, 1, 1), [("graffiti", "Klotter")], 1, [])
    newer = RoundCounts(
        date(2024, 2, 1), [("graffiti", "Graffiti")], 2, [{"category": "graffiti", "count": 6}]
    )
    unreported = RoundCounts(date(2024, 3, 1), [("graffiti", "Graffiti")], 0, [])

    (series,) = sum_rounds([newer, older, unreported])

    assert series.label == "Graffiti"
    assert series.values == {"202401": 0.0, "202402": 6.0}
