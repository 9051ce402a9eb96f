"""Situation pictures from rounds: the compile job (with progress) makes a picture record
with a generated written summary and plugin sections, and stores its figures; the
coordinator decides it; the consortium picture sums only the members' shared pictures and
suppresses small counts so that they cannot be recovered from totals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from samverka.jobs import runner
from samverka.jobs.models import OutboxJob
from samverka.records import services as records
from samverka.records.models import Record
from samverka.workflows.decisions import latest_decision, record_decision
from samverka.workflows.pictures import services as pictures
from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import PictureFigure, RoundUnit


def open_round(db, tenant, user, start="2026-03-01", kinds=("school", "social_services")):
    units = rounds.ensure_default_units(db, tenant, user=user)
    chosen = [u.id for u in units if u.kind in kinds]
    return rounds.open_round(db, tenant, unit_ids=chosen, period_start=start, user=user)


def fill(db, round_, user, counts):
    """``counts``: unit name → {category: count}."""
    for unit in db.scalars(select(RoundUnit).where(RoundUnit.round_id == round_.id)):
        given = counts.get(unit.unit_name, {})
        lines = [
            {
                "category": k,
                "count": n,
                "area": "Centrum",
                "weekday": "sat",
                "time_of_day": "night",
                "trend": "up",
            }
            for k, n in given.items()
        ]
        if lines:
            rounds.submit_report(db, unit, lines=lines, sources="Incidentrapporter", user=user)


@pytest.fixture
def march(ctx, db, world, acting, with_plugins):
    with_plugins(world.a, "testplugin")
    with acting(world.a, world.admin_a):
        round_ = open_round(db, world.a, world.admin_a)
        fill(
            db,
            round_,
            world.admin_a,
            {"School": {"vandalism": 6, "graffiti": 2}, "Social services": {"vandalism": 4}},
        )
        db.commit()
        return round_.id


def test_compile_by_job_then_decide(app, db, world, acting, march):
    with acting(world.a, world.admin_a):
        round_ = rounds.get_round(db, march)
        job = pictures.request_compile(db, round_, user=world.admin_a)
        db.commit()
        job_id = job.id
    runner.use_app(app)
    try:
        assert runner.run_outbox(job_id, world.a.id, 1) == "done"
    finally:
        runner.use_app(None)
    with acting(world.a, world.admin_a):
        assert db.get(OutboxJob, job_id).status == "done"
        round_ = rounds.get_round(db, march)
        record = db.get(Record, round_.picture_record_id)
        assert record.type_name == "core.situation_picture"
        mapping = record.data["mapping"]
        assert "2 of 2 units reported" in mapping
        assert "12 events in total, most of them Vandalism (10), Graffiti (2)." in mapping
        assert "Events cluster on Saturday, night (00–06) (12)." in mapping
        assert "- Vandalism" not in mapping  # the lists are tables and charts now
        assert "Testmodulens avsnitt" in record.data["other_information"]
        assert "Incidentrapporter" in record.data["sources_used"]
        figures = db.scalars(
            select(PictureFigure)
            .where(PictureFigure.dimension == "area")
            .order_by(PictureFigure.category)
        ).all()
        assert [(f.category, f.area, f.count) for f in figures] == [
            ("graffiti", "Centrum", 2),
            ("vandalism", "Centrum", 10),
        ]
        # the coordinator edits the text, then decides
        records.update_record(
            db, record, data={"analysis": "Helgkvällar i centrum"}, user=world.admin_a
        )
        record_decision(
            db,
            record,
            body="Kommunstyrelsen",
            decided_on=date(2026, 4, 2),
            minute_paragraph="§ 12",
            user=world.admin_a,
        )
        db.commit()
        # compiling again refreshes the mapping and keeps the edits
        pictures.compile_picture(db, round_, user=world.admin_a)
        db.commit()
        again = db.get(Record, round_.picture_record_id)
        assert again.data["analysis"] == "Helgkvällar i centrum"
        assert latest_decision(db, again).minute_paragraph == "§ 12"
        areas = select(PictureFigure).where(PictureFigure.dimension == "area")
        assert len(db.scalars(areas).all()) == 2
        found = pictures.evidence(db, world.a)
        assert found[0]["duty"] == "situation_picture" and found[0]["met"] is True
        assert found[0]["as_of"] == date(2026, 4, 2)


def test_a_second_period_is_compared_with_the_first(db, world, acting, march):
    with acting(world.a, world.admin_a):
        pictures.compile_picture(db, rounds.get_round(db, march), user=world.admin_a)
        april = open_round(db, world.a, world.admin_a, start="2026-04-01")
        fill(db, april, world.admin_a, {"School": {"vandalism": 3}})
        record = pictures.compile_picture(db, april, user=world.admin_a)
        assert "Compared with the period from 2026-03-01:" in record.data["mapping"]
        assert "Vandalism fell from 10 to 3; Graffiti fell from 2 to 0." in record.data["mapping"]
        assert "spring" in record.data["mapping"]


def test_suppression_hides_small_counts_and_their_complements():
    table = {"vandalism": {"A": 3, "B": 20, "C": 30}, "graffiti": {"A": 12, "B": 15, "C": 40}}
    shown = pictures.suppress(table)
    assert shown["vandalism"]["A"] == "<5"
    # column A and row vandalism each had one hidden cell: a second one is hidden in each
    hidden = [(r, c) for r, row in shown.items() for c, v in row.items() if v == "<5"]
    for r in table:
        assert sum(1 for h in hidden if h[0] == r) != 1
    for c in ("A", "B", "C"):
        assert sum(1 for h in hidden if h[1] == c) != 1
    assert shown["graffiti"]["C"] == "40"
    assert pictures.suppress({"arson": {"A": 0, "B": 9}}) == {"arson": {"A": "0", "B": "9"}}


def compiled(db, tenant, user, counts, start="2026-03-01"):
    round_ = open_round(db, tenant, user, start=start)
    fill(db, round_, user, counts)
    return pictures.compile_picture(db, round_, user=user)


def test_the_consortium_picture_uses_shared_pictures_only(db, world, acting, ctx):
    with acting(world.a, world.admin_a):
        mine = compiled(db, world.a, world.admin_a, {"School": {"vandalism": 12, "arson": 2}})
        records.share_record(db, mine, consortium=world.consortium, user=world.admin_a)
        db.commit()
    with acting(world.b, world.admin_b):
        compiled(db, world.b, world.admin_b, {"School": {"vandalism": 50}})  # not shared
        db.commit()
        figures = pictures.shared_member_figures(
            db, world.consortium, date(2026, 3, 1), date(2026, 3, 31)
        )
        assert figures == {"vandalism": {"Sunne kommun": 12}, "arson": {"Sunne kommun": 2}}
        record = pictures.compile_consortium_picture(
            db,
            world.b,
            world.consortium,
            period_start="2026-03-01",
            period_end="2026-03-31",
            user=world.admin_b,
        )
        db.commit()
        assert record.data["scope"] == "consortium"
        assert "<5" in record.data["mapping"] and "| 2" not in record.data["mapping"]
        assert "50" not in record.data["mapping"]
    with acting(world.a, world.admin_a):  # the members read the consortium picture
        assert records.get_record(db, record.id, user=world.admin_a, viewer_tenant=world.a)
    with acting(world.c, world.admin_c):
        assert db.scalars(select(PictureFigure)).all() == []


@pytest.mark.postgresql_only
def test_figures_follow_the_picture_under_rls(db, world, acting, app_sql, ctx):
    with acting(world.a, world.admin_a):
        mine = compiled(db, world.a, world.admin_a, {"School": {"vandalism": 12}}).id
        db.commit()
    sql = "SELECT count FROM picture_figures WHERE dimension <> 'total' ORDER BY dimension"
    assert app_sql((world.b.id,), sql) == []
    with acting(world.a, world.admin_a):
        mine = db.get(Record, mine)
        records.share_record(db, mine, consortium=world.consortium, user=world.admin_a)
        db.commit()
    assert [r.count for r in app_sql((world.b.id,), sql)] == [12, 12]  # area, when
    assert app_sql((world.c.id,), sql) == []


def test_overview_and_calendar(db, world, acting, ctx, frozen_clock):
    with acting(world.a, world.admin_a):
        start = rounds.today().replace(day=1)
        round_ = open_round(db, world.a, world.admin_a, start=start.isoformat())
        fill(db, round_, world.admin_a, {"School": {"vandalism": 1}})
        db.commit()
        items = pictures.overview_items(db, world.a, world.admin_a)
        assert [(i["kind"], i["status"]) for i in items] == [("round", "due")]
        assert "1 of 2 units reported" in items[0]["title"]
        frozen_clock.moment += round_.deadline - rounds.today() + timedelta(days=1)
        items = pictures.overview_items(db, world.a, world.admin_a)
        assert [(i["kind"], i["status"]) for i in items] == [
            ("round", "late"),
            ("late_unit", "red"),
        ]
        entries = pictures.calendar_entries(db, world.a, start.year)
        assert {e["kind"] for e in entries} <= {"round_opens", "round_deadline"}
        assert all(set(e) == {"date", "title", "kind", "url"} for e in entries)
    with acting(world.c, world.admin_c):
        assert pictures.overview_items(db, world.c, world.admin_c) == []
        assert pictures.calendar_entries(db, world.c, start.year) == []
        assert pictures.evidence(db, world.c)[0]["met"] is False
