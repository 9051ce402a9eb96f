"""The action plan, council and calendar pages with the test client: a plan built through
its forms (a measure without a cause and a future decision refused with a Swedish message,
nothing stored), a flagged cause, receivers read only, outsiders get 404; councils,
meetings, assignments and the annual calendar with its .ics."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from samverka.db import TenantScope, scoped
from samverka.records import services
from samverka.testing.fixtures import form_post
from samverka.workflows.action_plans import services as plans
from samverka.workflows.councils import services as councils


@pytest.fixture
def sv(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    return client


@pytest.fixture
def picture(app, db, world):
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
        record = services.create_record(
            db,
            record_type="core.situation_picture",
            title="Lägesbild Sunne",
            data={
                "period_start": "2026-01-01",
                "period_end": "2026-06-30",
                "problems": "Klotter i centrum\nOtrygghet vid busstationen",
            },
            user=world.admin_a,
        )
        db.commit()
        return record.id


def count(db, world, model) -> int:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        return len(db.scalars(select(model)).all())


def create_plan(client) -> str:
    response = form_post(
        client,
        "/t/sunne/action-plans/new",
        {"title": "Åtgärdsplan 2026", "valid_from": "2026-01-01", "valid_to": "2026-12-31"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.location


def test_a_plan_is_built_through_its_pages(sv, login, world, db, picture):
    login(sv, world.admin_a)
    page = create_plan(sv)
    record_id = int(page.rstrip("/").rsplit("/", 1)[1])
    base = f"/t/sunne/action-plans/{record_id}"
    # a problem that does not exist is refused
    bad = form_post(sv, f"{base}/causes/new", {"description": "X", "problem": f"{picture}:7"})
    assert bad.status_code == 422 and "govuk-error-summary" in bad.get_data(as_text=True)
    assert count(db, world, plans.PlanCause) == 0
    ok = form_post(
        sv, f"{base}/causes/new", {"description": "Dålig belysning", "problem": f"{picture}:2"}
    )
    assert ok.status_code == 302
    form_post(sv, f"{base}/causes/new", {"description": "Ingen fritidsgård", "problem": ""})
    # a measure without a cause is refused
    measure = {"title": "Belysning", "due_on": "2026-09-30", "effort": "one_off", "hours": "10"}
    refused = form_post(sv, f"{base}/measures/new", measure | {"cause": ""})
    assert refused.status_code == 422
    assert "En åtgärd måste höra till en orsak." in refused.get_data(as_text=True)
    assert count(db, world, plans.PlanMeasure) == 0
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        first = db.scalars(select(plans.PlanCause).order_by(plans.PlanCause.number)).first()
    done = form_post(sv, f"{base}/measures/new", measure | {"cause": str(first.id)})
    assert done.status_code == 302
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        measure_id = db.scalar(select(plans.PlanMeasure.id))
    red = form_post(
        sv, f"{base}/follow-up?measure={measure_id}", {"status": "red", "comment": "Försenat"}
    )
    assert red.status_code == 302
    edit = f"{base}/measures/edit?measure={measure_id}"
    assert 'value="Belysning"' in sv.get(edit).get_data(as_text=True)
    changed = form_post(sv, edit, measure | {"cause": str(first.id), "title": "Ny belysning"})
    assert changed.status_code == 302
    assert sv.get(f"{base}/measures/edit?measure=999999").status_code == 404
    html = sv.get(base).get_data(as_text=True)
    assert "Otrygghet vid busstationen" in html and "Ny belysning" in html
    assert 'id="flagged"' in html  # cause 2 has no measure
    assert "govuk-tag--red" in html and "Försenat" in html
    # a decision dated in the future is refused through the page
    future = (date.today() + timedelta(days=5)).isoformat()
    wrong = form_post(sv, f"{base}/decide", {"body": "Kommunstyrelsen", "decided_on": future})
    assert wrong.status_code == 422 and "framtiden" in wrong.get_data(as_text=True)
    right = form_post(sv, f"{base}/decide", {"body": "Kommunstyrelsen", "decided_on": "2026-01-15"})
    assert right.status_code == 302
    assert "Kommunstyrelsen" in sv.get(base).get_data(as_text=True)
    listing = sv.get("/t/sunne/action-plans/").get_data(as_text=True)
    assert "Åtgärdsplan 2026" in listing


def test_receivers_read_and_outsiders_get_404(app, sv, login, world, db, picture):
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
        plan = services.create_record(
            db,
            record_type="core.action_plan",
            title="Planen",
            data={"title": "Planen", "valid_from": "2026-01-01"},
            user=world.admin_a,
        )
        plans.add_cause(db, plan, description="Orsak", user=world.admin_a)
        services.share_record(db, plan, tenant=world.b, user=world.admin_a)
        db.commit()
    login(sv, world.admin_b)
    html = sv.get(f"/t/torsby/action-plans/{plan.id}").get_data(as_text=True)
    assert "Orsak" in html and "/causes/new" not in html
    assert sv.get(f"/t/torsby/action-plans/{plan.id}/causes/new").status_code == 403
    sv.get("/logout")
    login(sv, world.admin_c)
    assert sv.get(f"/t/hagfors/action-plans/{plan.id}").status_code == 404
    assert "Planen" not in sv.get("/t/hagfors/action-plans/").get_data(as_text=True)


def test_councils_meetings_assignments_and_the_calendar(sv, login, world, db):
    login(sv, world.admin_a)
    made = form_post(
        sv,
        "/t/sunne/councils/new",
        {"name": "SuToHaMu styrgrupp", "kind": "steering_group", "consortium": "sutohamu"},
    )
    assert made.status_code == 302, made.get_data(as_text=True)[:2000]
    body = made.location
    record_id = int(body.rstrip("/").rsplit("/", 1)[1])
    bad = form_post(sv, f"/t/sunne/councils/{record_id}/meetings/new", {"meeting_on": "snart"})
    assert bad.status_code == 422
    meeting_day = date.today() - timedelta(days=3)
    meeting = form_post(
        sv,
        f"/t/sunne/councils/{record_id}/meetings/new",
        {"meeting_on": meeting_day.isoformat(), "place": "Stadshuset", "agenda": "Lägesbild\nPlan"},
    )
    assert meeting.status_code == 302
    meeting_url = meeting.location
    meeting_id = int(meeting_url.rstrip("/").rsplit("/", 1)[1])
    decided = form_post(
        sv,
        f"/t/sunne/councils/meetings/{meeting_id}/decisions",
        {"text": "Planen antas", "paragraph": "§ 4"},
    )
    assert decided.status_code == 302
    assigned = form_post(
        sv,
        f"/t/sunne/councils/{record_id}/assignments/new?meeting={meeting_id}",
        {
            "title": "Ta fram statistik",
            "owner_tenant": str(world.b.id),
            "owner_user": world.admin_b.email,
        },
    )
    assert assigned.status_code == 302
    html = sv.get(meeting_url).get_data(as_text=True)
    assert "Stadshuset" in html and "Planen antas" in html and "Ta fram statistik" in html
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        assignment_id = db.scalar(select(councils.CouncilAssignment.id))
    token = re.search(r'name="csrf_token" value="([^"]+)"', sv.get(body).get_data(as_text=True))
    toggled = sv.post(
        f"/t/sunne/councils/{record_id}/assignments/status",
        data={"csrf_token": token.group(1), "assignment": str(assignment_id), "status": "done"},
    )
    assert toggled.status_code == 302
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        db.expire_all()
        assert db.get(councils.CouncilAssignment, assignment_id).status == "done"
    reopened = sv.post(
        f"/t/sunne/councils/{record_id}/assignments/status",
        data={"csrf_token": token.group(1), "assignment": str(assignment_id), "status": "open"},
    )
    assert reopened.status_code == 302
    year = meeting_day.year
    calendar = sv.get(f"/t/sunne/calendar/{year}").get_data(as_text=True)
    assert "SuToHaMu styrgrupp" in calendar
    ics = sv.get(f"/t/sunne/calendar/{year}.ics")
    assert ics.mimetype == "text/calendar" and b"BEGIN:VEVENT" in ics.data
    sv.get("/logout")
    login(sv, world.admin_b)
    mine = sv.get("/t/torsby/councils/assignments").get_data(as_text=True)
    assert "Ta fram statistik" in mine and "Markera som klar" in mine
    token = re.search(r'name="csrf_token" value="([^"]+)"', mine).group(1)
    done = sv.post(
        f"/t/torsby/councils/assignments/{assignment_id}/done", data={"csrf_token": token}
    )
    assert done.status_code == 302
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        db.expire_all()
        assert db.get(councils.CouncilAssignment, assignment_id).status == "done"
    again = sv.post(
        f"/t/torsby/councils/assignments/{assignment_id}/done", data={"csrf_token": token}
    )
    assert again.status_code == 404  # only open assignments of one's own can be reported
    assert "SuToHaMu styrgrupp" in sv.get("/t/torsby/councils/").get_data(as_text=True)
    sv.get("/logout")
    login(sv, world.admin_c)
    assert sv.get(meeting_url.replace("/sunne/", "/hagfors/")).status_code == 404
    with scoped(db, TenantScope.for_tenant(world.c.id)):
        assert db.scalars(select(councils.CouncilMeeting)).all() == []
    assert re.search(r"SuToHaMu", sv.get("/t/hagfors/councils/").get_data(as_text=True)) is None


def _make_plans(app, db, world, count: int, classification: str = "internal") -> list[int]:
    """``count`` plans of Sunne, each with one cause without a measure (flagged)."""
    ids = []
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
        for i in range(count):
            record = services.create_record(
                db,
                record_type="core.action_plan",
                title=f"Plan {i}",
                data={"title": f"Plan {i}", "valid_from": "2026-01-01"},
                classification=classification,
                user=world.admin_a,
            )
            plans.add_cause(db, record, description=f"Orsak {i}", user=world.admin_a)
            ids.append(record.id)
        db.commit()
    return ids


def test_the_plan_list_costs_the_same_queries_for_one_plan_or_many(sv, login, app, db, world):
    """The flagged causes of every plan come in one query (it was one per plan)."""
    from querykit import counted

    login(sv, world.admin_a)
    costs = []
    for more in (1, 5):
        _make_plans(app, db, world, more)
        with counted(app) as statements:
            page = sv.get("/t/sunne/action-plans/")
        assert page.status_code == 200
        costs.append(len(statements))
    print("statements of the plan list (1 plan, 6 plans):", costs)
    assert costs[0] == costs[1]
