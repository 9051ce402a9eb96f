"""The situation picture's figures for the charts (issue 16): each breakdown checked
exactly against the report lines, the 12-month series, the comparison in words (English and
Swedish), the written summary and the coordinator's edit of it, the consortium breakdown per
member with its suppression, and the PDF's tables."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from samverka.exports import render_pdf
from samverka.records import services as records
from samverka.records.models import Record
from samverka.workflows.pictures import figures
from samverka.workflows.pictures import services as pictures
from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import PictureFigure, RoundUnit

KINDS = ("school", "social_services", "leisure")


def line(category, count, area="", weekday=None, time_of_day=None):
    return {
        "category": category,
        "count": count,
        "area": area,
        "weekday": weekday,
        "time_of_day": time_of_day,
    }


def compile_round(db, tenant, user, reports, start="2026-03-01"):
    """``reports``: unit name → list of lines; units not named do not report."""
    units = rounds.ensure_default_units(db, tenant, user=user)
    chosen = [u.id for u in units if u.kind in KINDS]
    round_ = rounds.open_round(db, tenant, unit_ids=chosen, period_start=start, user=user)
    for unit in db.scalars(select(RoundUnit).where(RoundUnit.round_id == round_.id)):
        if unit.unit_name in reports:
            rounds.submit_report(db, unit, lines=reports[unit.unit_name], user=user)
    return round_, pictures.compile_picture(db, round_, user=user)


MARCH = {
    "School": [
        line("vandalism", 6, "Centrum", "sat", "night"),
        line("graffiti", 2, "Centrum", "sat", "evening"),
        line("arson", 0, "Råda"),  # reported as none: an empty category
    ],
    "Social services": [
        line("vandalism", 4, "Råda", "fri", "night"),
        line("burglary", 3, "", "mon", None),  # no area, no time of day
    ],
    # "Leisure" does not report
}


@pytest.fixture
def march(db, world, acting, ctx):
    with acting(world.a, world.admin_a):
        _round, record = compile_round(db, world.a, world.admin_a, MARCH)
        db.commit()
        return record.id


def test_by_category_is_ranked_and_exact(db, world, acting, ctx, march):
    with acting(world.a, world.admin_a), force_locale("en"):
        record = db.get(Record, march)
        found = figures.by_category(db, world.a, record)
        assert [(c.key, c.label, c.count) for c in found] == [
            ("vandalism", "Vandalism", 10),
            ("burglary", "Burglary", 3),
            ("graffiti", "Graffiti", 2),
        ]
        every = figures.by_category(db, world.a, record, include_empty=True)
        assert len(every) == len(rounds.EST_CATEGORIES)  # the round's 13, zero included
        assert every[3].count == 0 and {c.count for c in every[3:]} == {0}


def test_by_area_weekday_matrix_and_summary(db, world, acting, ctx, march):
    with acting(world.a, world.admin_a), force_locale("en"):
        record = db.get(Record, march)
        assert [(a.area, a.count, a.top) for a in figures.by_area(db, world.a, record)] == [
            ("Centrum", 8, ("Vandalism", "Graffiti")),
            ("Råda", 4, ("Vandalism",)),
        ]
        matrix = figures.weekday_by_time(db, world.a, record)
        assert matrix.rows[0] == "Monday" and matrix.rows[-1] == "Sunday"
        assert matrix.column_keys == ("morning", "afternoon", "evening", "night")
        cells = {
            (d, t): v
            for d, row in zip(matrix.row_keys, matrix.values, strict=True)
            for t, v in zip(matrix.column_keys, row, strict=True)
            if v
        }
        # burglary names a weekday without a time: it is not a cell of the heat map
        assert cells == {("sat", "night"): 6, ("sat", "evening"): 2, ("fri", "night"): 4}
        summary = record.data["mapping"]
        assert summary.startswith("2 of 3 units reported for 2026-03-01 – 2026-03-31")
        assert "15 events in total, most of them Vandalism (10), Burglary (3), Graffiti (2)." in (
            summary
        )
        assert "Most events were reported in Centrum (8), Råda (4)." in summary
        assert "Events cluster on Saturday, night (00–06) (6)." in summary
        assert "No earlier periods to compare with yet." in summary
        assert "\n" not in summary and summary.count(". ") <= 5


def test_picture_figures_gives_every_breakdown_at_once(db, world, acting, ctx, march):
    with acting(world.a, world.admin_a), force_locale("en"):
        record = db.get(Record, march)
        every = figures.picture_figures(db, world.a, record)
        assert list(every.by_category) == figures.by_category(db, world.a, record)
        assert list(every.by_area) == figures.by_area(db, world.a, record)
        assert every.weekday_by_time == figures.weekday_by_time(db, world.a, record)
        assert every.monthly == figures.monthly_series(db, world.a, record)
        assert every.comparison == figures.comparison(db, world.a, record)
        assert every.monthly.labels[-1] == "Mar 2026" and len(every.monthly.labels) == 12
        first = every.monthly.series[0]
        assert (first.key, first.counts[-1], first.counts[0]) == ("vandalism", 10, None)


def test_the_comparison_names_changes_in_words(db, world, acting, ctx, march):
    with acting(world.a, world.admin_a):
        april = {"School": [line("vandalism", 13, "Centrum"), line("arson", 2, "Råda")]}
        _round, record = compile_round(db, world.a, world.admin_a, april, start="2026-04-01")
        with force_locale("en"):
            found = figures.comparison(db, world.a, record)
            assert found.previous_start == date(2026, 3, 1)
            assert [(c.key, c.before, c.after, c.direction) for c in found.changes] == [
                ("arson", 0, 2, "up"),
                ("burglary", 3, 0, "down"),
                ("graffiti", 2, 0, "down"),
                ("vandalism", 10, 13, "up"),
            ]
            assert found.changes[-1].sentence == "Vandalism rose from 10 to 13"
            assert found.changes[1].sentence == "Burglary fell from 3 to 0"
            assert figures.change_sentence("Arson", 3, 3) == "Arson unchanged (3)"
            assert found.now_total == 15 and found.year_ago_total is None
            assert (found.season, found.season_average) == ("spring", 15.0)
            # the three largest changes, the largest first (ties by name)
            assert "Burglary fell from 3 to 0; Vandalism rose from 10 to 13; Arson rose" in (
                pictures.summary_text(
                    rounds.get_round(db, _round.id),
                    figures.tally_lines(april["School"]),
                    dict(rounds.categories_of(db, world.a)),
                    figures.earlier_totals(db, world.a.id, date(2026, 4, 1)),
                    [],
                )
            )
        with force_locale("sv"):
            assert figures.change_sentence("Inbrott", 4, 13) == "Inbrott ökade från 4 till 13"
            assert figures.change_sentence("Skadegörelse", 8, 5) == (
                "Skadegörelse minskade från 8 till 5"
            )
            assert figures.change_sentence("Anlagd brand", 3, 3) == "Anlagd brand oförändrad (3)"


def test_monthly_series_marks_months_without_a_picture(db, world, acting, ctx):
    with acting(world.a, world.admin_a):
        compile_round(db, world.a, world.admin_a, {"School": [line("vandalism", 5)]}, "2026-01-01")
        compile_round(db, world.a, world.admin_a, {}, "2026-03-01")  # nobody reported
        _r, april = compile_round(
            db, world.a, world.admin_a, {"School": [line("graffiti", 7)]}, "2026-04-01"
        )
        with force_locale("sv"):
            series = figures.monthly_series(db, world.a, april, months=4)
        assert series.months == (date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), april_1())
        assert series.labels == ("jan 2026", "feb 2026", "mars 2026", "apr 2026")
        assert [(s.key, s.counts) for s in series.series] == [
            ("graffiti", (0, None, 0, 7)),
            ("vandalism", (5, None, 0, 0)),
        ]
        with force_locale("en"):
            assert figures.monthly_series(db, world.a, april, months=2).labels == (
                "Mar 2026",
                "Apr 2026",
            )


def april_1() -> date:
    return date(2026, 4, 1)


def test_a_summary_the_coordinator_edited_survives_recompiling(db, world, acting, ctx, march):
    with acting(world.a, world.admin_a), force_locale("en"):
        record = db.get(Record, march)
        round_ = db.scalar(
            select(rounds.ReportingRound).where(rounds.ReportingRound.picture_record_id == march)
        )
        assert not pictures.summary_edited(db, record)
        # not edited: a recompile after another report replaces the summary
        leisure = db.scalar(
            select(RoundUnit).where(
                RoundUnit.round_id == round_.id, RoundUnit.unit_name == "Leisure"
            )
        )
        rounds.submit_report(db, leisure, lines=[line("vandalism", 1)], user=world.admin_a)
        pictures.compile_picture(db, round_, user=world.admin_a)
        assert record.data["mapping"].startswith("3 of 3 units reported")
        # edited: the coordinator's text is kept, the figures are still refreshed
        records.update_record(
            db, record, data={"mapping": "Helgnätter i centrum."}, user=world.admin_a
        )
        assert pictures.summary_edited(db, record)
        rounds.submit_report(db, leisure, lines=[line("vandalism", 9)], user=world.admin_a)
        pictures.compile_picture(db, round_, user=world.admin_a)
        assert record.data["mapping"] == "Helgnätter i centrum."
        assert figures.by_category(db, world.a, record)[0].count == 19


def test_the_pdf_shows_the_figures_as_charts_with_their_tables(db, world, acting, ctx, march):
    with acting(world.a, world.admin_a), force_locale("en"):
        document = pictures.picture_document(
            db, world.a, {"record_id": march, "user_id": world.admin_a.id}
        )
        section = next(s for s in document.sections if s.heading == "Figures")
        titles = [chart.title for chart in section.charts]
        # category, 12 months, weekday × time, area (no earlier period: no comparison)
        assert titles == [
            "Events by category",
            "The last 12 months by category",
            "Events by weekday and time of day",
            "Events by area",
        ]
        by_category = section.charts[0].table
        assert ("Vandalism", "10") in {tuple(row[:2]) for row in by_category.rows}
        assert any("Råda" in row[0] for row in section.charts[3].table.rows)
        assert all(chart.alt for chart in section.charts)
        out = io.BytesIO()
        render_pdf(document, out, locale="en")
        pdf = pypdf.PdfReader(io.BytesIO(out.getvalue()))
        text = " ".join(page.extract_text() for page in pdf.pages)
        assert "Events by weekday and time of day" in text and "Centrum" in text


def test_member_breakdown_suppresses_every_breakdown(db, world, acting, ctx):
    sunne = {
        "School": [
            line("vandalism", 12, "Centrum", "sat", "night"),
            line("arson", 2, "Älvstranden", "sat", "night"),
            line("graffiti", 20, "Centrum", "fri", "evening"),
        ]
    }
    torsby = {"School": [line("vandalism", 30, "Torget", "fri", "night")]}
    with acting(world.a, world.admin_a):
        _r, mine = compile_round(db, world.a, world.admin_a, sunne)
        records.share_record(db, mine, consortium=world.consortium, user=world.admin_a)
        db.commit()
    with acting(world.b, world.admin_b):
        _r, theirs = compile_round(db, world.b, world.admin_b, torsby)
        records.share_record(db, theirs, consortium=world.consortium, user=world.admin_b)
        db.commit()
    with acting(world.c, world.admin_c):  # not in the consortium: nothing shared, nothing seen
        assert (
            figures.shared_member_tallies(db, world.consortium, date(2026, 3, 1), date(2026, 3, 31))
            == {}
        )
    with acting(world.b, world.admin_b), force_locale("en"):
        found = figures.member_breakdown(
            db, world.b, world.consortium, date(2026, 3, 1), date(2026, 3, 31)
        )
    assert found.members == ("Sunne kommun", "Torsby kommun")
    table = found.by_category
    assert table["Arson"] == {"Sunne kommun": figures.SUPPRESSED, "Torsby kommun": "0"}
    # complementary: Sunne's column had one hidden cell, so its smallest other (12) is hidden
    assert table["Vandalism"]["Sunne kommun"] == figures.SUPPRESSED
    assert table["Graffiti"] == {"Sunne kommun": "20", "Torsby kommun": "0"}
    # the row Vandalism had one hidden cell: Torsby's 30 is hidden with it
    assert table["Vandalism"]["Torsby kommun"] == figures.SUPPRESSED
    sunne_figures = found.per_member[0]
    assert [(c.label, c.count) for c in sunne_figures.by_category] == [
        ("Graffiti", 20),
        ("Arson", figures.SUPPRESSED),
        ("Vandalism", figures.SUPPRESSED),
    ]
    # areas: Älvstranden holds the hidden arson, Centrum the hidden vandalism (32 - 20
    # would give the 12 away): both hidden
    assert [(a.area, a.count) for a in sunne_figures.by_area] == [
        ("Centrum", figures.SUPPRESSED),
        ("Älvstranden", figures.SUPPRESSED),
    ]
    matrix = sunne_figures.weekday_by_time.values
    sat, fri = matrix[5], matrix[4]
    night, evening = 3, 2
    # Saturday night (12 vandalism + 2 arson, both hidden) stays hidden although 14 >= 5;
    # Friday evening holds only graffiti, which is shown
    assert (sat[night], fri[evening]) == (figures.SUPPRESSED, 20)
    torsby_figures = found.per_member[1]
    assert [(a.area, a.count) for a in torsby_figures.by_area] == [("Torget", "<5")]
    assert torsby_figures.weekday_by_time.values[4][night] == figures.SUPPRESSED
    # nothing anywhere shows a count of 1–4
    for member in found.per_member:
        for row in member.weekday_by_time.values:
            assert all(v == figures.SUPPRESSED or v == 0 or v >= 5 for v in row)


def test_suppression_of_a_heat_map_hides_complements():
    grid = {"sat": {"night": 3, "evening": 9}, "fri": {"night": 7, "evening": 8}}
    shown = figures.suppress(grid)
    hidden = {(d, t) for d, row in shown.items() for t, v in row.items() if v == "<5"}
    # the 3 and, so that neither its row nor its column gives it away, its complements
    assert ("sat", "night") in hidden and len(hidden) == 4


def test_old_pictures_without_breakdowns_still_count(db, world, acting, ctx, march):
    """A picture compiled before the migration has only category × area rows: its totals
    still count in the comparison and the series, it just has no heat map."""
    with acting(world.a, world.admin_a):
        db.execute(
            PictureFigure.__table__.delete().where(
                PictureFigure.record_id == march, PictureFigure.dimension != "area"
            )
        )
        _r, april = compile_round(
            db, world.a, world.admin_a, {"School": [line("vandalism", 1)]}, "2026-04-01"
        )
        assert figures.comparison(db, world.a, april).changes[-1].before == 10
        series = figures.monthly_series(db, world.a, april, months=2)
        assert dict((s.key, s.counts) for s in series.series)["vandalism"] == (10, 1)
        old = db.get(Record, march)
        assert figures.weekday_by_time(db, world.a, old).values == tuple(
            (0, 0, 0, 0) for _d in rounds.WEEKDAYS
        )
