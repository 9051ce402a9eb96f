"""The start page's items and the compliance evidence from plans and councils; the annual
calendar (providers + plugin hook) and its iCalendar form."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from samverka.records import services
from samverka.tenancy import services as tenancy
from samverka.workflows import calendar
from samverka.workflows.action_plans import services as plans
from samverka.workflows.action_plans.overview import evidence, overview_items
from samverka.workflows.councils import services as councils
from samverka.workflows.decisions import record_decision


@pytest.fixture
def cycle(ctx, db, world, acting):
    """Sunne: a picture, a plan valid this year with one measure due in 10 days, a council."""
    now = plans.today()
    with acting(world.a, world.admin_a):
        picture = services.create_record(
            db,
            record_type="core.situation_picture",
            title="Lägesbild",
            data={"period_start": "2026-01-01", "period_end": "2026-06-30", "problems": "Klotter"},
            user=world.admin_a,
        )
        plan = services.create_record(
            db,
            record_type="core.action_plan",
            title="Åtgärdsplan",
            data={
                "title": "Åtgärdsplan",
                "valid_from": (now - timedelta(days=100)).isoformat(),
                "valid_to": (now + timedelta(days=200)).isoformat(),
            },
            user=world.admin_a,
        )
        cause = plans.add_cause(
            db,
            plan,
            description="Klotter",
            picture_id=picture.id,
            problem_number=1,
            user=world.admin_a,
        )
        measure = plans.add_measure(
            db,
            plan,
            cause_id=cause.id,
            title="Klottersanering",
            due_on=now + timedelta(days=10),
            user=world.admin_a,
        )
        body = councils.create_council(db, name="BRÅ Sunne", kind="bra_council", user=world.admin_a)
        for days in (-400, -200, -100, -10, 5):
            councils.add_meeting(
                db, body, meeting_on=now + timedelta(days=days), user=world.admin_a
            )
        db.commit()
    return {"plan": plan.id, "measure": measure.id, "body": body.id}


def kinds(items):
    return [(i["kind"], i["status"]) for i in items]


def test_a_red_follow_up_puts_the_measure_on_the_overview(db, world, acting, cycle):
    with acting(world.a, world.admin_a):
        items = overview_items(db, world.a, world.admin_a)
        assert kinds(items) == [("measure_due", "due"), ("meeting", "info")]
        plan = services.get_record(db, cycle["plan"], user=world.admin_a, viewer_tenant=world.a)
        measure = plans.get_measure(db, plan, cycle["measure"])
        plans.follow_up(db, plan, measure, status="red", comment="Ingen budget", user=world.admin_a)
        db.commit()
        items = overview_items(db, world.a, world.admin_a)
    assert items[0]["kind"] == "red_measure" and items[0]["status"] == "red"
    assert items[0]["title"] == "Klottersanering"
    assert items[0]["url"] == f"/t/sunne/action-plans/{cycle['plan']}"


def test_my_assignments_show_in_the_owners_tenant(db, world, acting, cycle):
    # the owner must be someone Sunne works with (auth.directory): Hagfors joins the consortium
    tenancy.add_to_consortium(db, world.c, world.consortium)
    db.commit()
    with acting(world.a, world.admin_a):
        body = councils.get_council(db, cycle["body"], user=world.admin_a, viewer=world.a)
        councils.add_assignment(
            db,
            body,
            title="Samla in polisens statistik",
            owner_tenant=world.c,
            owner_user=world.admin_c,
            due_on=plans.today() - timedelta(days=1),
            user=world.admin_a,
        )
        db.commit()
    with acting(world.c, world.admin_c):
        items = overview_items(db, world.c, world.admin_c)
    assert ("assignment", "late") in kinds(items)
    assert ("meeting", "info") in kinds(items)  # the body is shared with Hagfors now
    with acting(world.b, world.admin_b):
        assert overview_items(db, world.b, world.admin_b) == []


def test_evidence_needs_a_decided_plan_meetings_and_follow_up(db, world, acting, cycle):
    with acting(world.a, world.admin_a):
        before = {e["duty"]: e for e in evidence(db, world.a)}
        assert not before["action_plan"]["met"]
        assert not before["council_meetings"]["met"]  # 3 held, 4 planned
        plan = services.get_record(db, cycle["plan"], user=world.admin_a, viewer_tenant=world.a)
        decided_on = plans.today() - timedelta(days=3)
        record_decision(db, plan, body="Kommunstyrelsen", decided_on=decided_on, user=world.admin_a)
        plans.follow_up(
            db,
            plan,
            plans.get_measure(db, plan, cycle["measure"]),
            status="green",
            user=world.admin_a,
        )
        db.commit()
        after = {e["duty"]: e for e in evidence(db, world.a)}
    assert after["action_plan"]["met"] and after["action_plan"]["as_of"] == decided_on
    assert "Kommunstyrelsen" in after["action_plan"]["summary"]
    assert after["follow_up"]["met"] and after["follow_up"]["as_of"] == plans.today()
    with acting(world.b, world.admin_b):
        others = {e["duty"]: e["met"] for e in evidence(db, world.b)}
    assert others == {"action_plan": False, "council_meetings": False, "follow_up": False}


def test_council_evidence_counts_meetings_held_in_twelve_months(db, world, acting, cycle):
    with acting(world.a, world.admin_a):
        body = councils.get_council(db, cycle["body"], user=world.admin_a, viewer=world.a)
        [duty] = [e for e in evidence(db, world.a) if e["duty"] == "council_meetings"]
        assert "3 of 4" in duty["summary"] and not duty["met"]  # -400 too early, 5 ahead
        councils.add_meeting(db, body, meeting_on=plans.today(), user=world.admin_a)
        db.commit()
        [duty] = [e for e in evidence(db, world.a) if e["duty"] == "council_meetings"]
    assert duty["met"] and duty["as_of"] == plans.today()


def test_the_calendar_has_meetings_measures_and_plugin_entries(
    db, world, acting, cycle, with_plugins
):
    year = plans.today().year
    with_plugins(world.a, "testplugin")
    with acting(world.a, world.admin_a):
        entries = calendar.calendar_entries(db, world.a, year)
        ics = calendar.to_ics(entries, tenant=world.a, year=year)
    kinds_found = {e["kind"] for e in entries}
    assert {"testplugin"} <= kinds_found
    assert all(e["date"].year == year for e in entries)
    assert [e["date"] for e in entries] == sorted(e["date"] for e in entries)
    assert date(year, 6, 19) in [e["date"] for e in entries]
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == len(entries)
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    with acting(world.b, world.admin_b):
        assert [e["kind"] for e in calendar.calendar_entries(db, world.b, year)] == []


def test_ics_escapes_and_folds():
    class T:
        slug, name = "sunne", "Sunne kommun"

    entry = {"date": date(2026, 3, 1), "title": "Möte; läge, plan " + "å" * 60, "kind": "meeting"}
    text = calendar.to_ics([entry], tenant=T, year=2026)
    assert "SUMMARY:Möte\\; läge\\, plan" in text
    assert "\r\n " in text
