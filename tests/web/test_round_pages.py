"""The rounds and picture pages: open a round (an error without units), units report
(errors on the form, a partner from its own tenant), compile with a job, decide, PDF."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from samverka.db import TenantScope, scoped
from samverka.jobs import runner
from samverka.jobs.models import OutboxJob
from samverka.testing.fixtures import csrf_token
from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import ReportingRound, RoundUnit


@pytest.fixture
def sunne(app, client, login, world, db):
    with (
        app.test_request_context(),
        scoped(db, TenantScope.for_tenant(world.a.id, world.admin_a.id)),
    ):
        units = rounds.ensure_default_units(db, world.a, user=world.admin_a)
        rounds.add_unit(
            db, world.a, name="Polisen LPO", kind="police", partner=world.b, user=world.admin_a
        )
        db.commit()
    login(client, world.admin_a)
    return [u.id for u in units]


def post(client, url, data):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_opening_needs_a_unit_and_shows_the_error(client, sunne):
    response = post(client, "/t/sunne/rounds/new", {"period_start": "2026-03-01"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="govuk-error-summary"' in html and 'href="#units"' in html


def test_the_monthly_routine(app, client, login, world, db, sunne):
    response = post(
        client,
        "/t/sunne/rounds/new",
        {"period_start": "2026-03-01", "cadence": "monthly", "units": [str(u) for u in sunne[:2]]},
    )
    assert response.status_code == 302
    round_url = response.location
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        round_ = db.scalar(select(ReportingRound))
        unit = db.scalars(select(RoundUnit).order_by(RoundUnit.unit_name)).first()
    report_url = f"/t/sunne/rounds/{round_.id}/units/{unit.id}"
    bad = post(client, report_url, {"vandalism-count": "tre"})
    assert bad.status_code == 422 and 'href="#vandalism-count"' in bad.get_data(as_text=True)
    good = post(
        client,
        report_url,
        {
            "vandalism-count": "4",
            "vandalism-area": "Centrum",
            "vandalism-trend": "up",
            "observations": "Lugnt",
        },
    )
    assert good.status_code == 302
    page = client.get(round_url).get_data(as_text=True)
    assert "1 of 2 units" in page or "1 av 2" in page
    compiled = post(client, f"/t/sunne/rounds/{round_.id}/compile", {})
    assert compiled.status_code == 302 and "job=" in compiled.location
    job_id = int(re.search(r"job=(\d+)", compiled.location).group(1))
    runner.use_app(app)
    try:
        assert runner.run_outbox(job_id, world.a.id, 1) == "done"
    finally:
        runner.use_app(None)
    page = client.get(compiled.location).get_data(as_text=True)
    picture_url = re.search(r'href="(/t/sunne/pictures/\d+)"', page).group(1)
    decided = post(
        client,
        picture_url,
        {"body": "Kommunstyrelsen", "decided_on": "2026-04-01", "minute_paragraph": "§ 5"},
    )
    assert decided.status_code == 302
    shown = client.get(picture_url).get_data(as_text=True)
    assert "Kommunstyrelsen" in shown and "Centrum" in shown
    pdf = client.get(picture_url + "/picture.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        assert db.get(OutboxJob, job_id).status == "done"


def test_a_partner_reports_from_its_own_tenant(app, client, login, world, db, sunne):
    with (
        app.test_request_context(),
        scoped(db, TenantScope.for_tenant(world.a.id, world.admin_a.id)),
    ):
        partner = db.scalar(
            select(rounds.ReportUnit).where(rounds.ReportUnit.name == "Polisen LPO")
        )
        round_ = rounds.open_round(
            db, world.a, unit_ids=[partner.id], period_start="2026-03-01", user=world.admin_a
        )
        db.commit()
    client = app.test_client()
    login(client, world.admin_b)
    listing = client.get("/t/torsby/rounds/").get_data(as_text=True)
    link = re.search(r'href="(/t/torsby/rounds/\d+/units/\d+)"', listing).group(1)
    assert post(client, link, {"graffiti-count": "2"}).status_code == 302
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
        status = rounds.round_status(db, db.get(ReportingRound, round_.id))
        assert status[0].report.tenant_id == world.b.id
    # the round's own page at Sunne is not Torsby's
    assert client.get(f"/t/sunne/rounds/{round_.id}").status_code == 404


def test_units_and_categories_are_configured_on_their_page(app, client, world, db, sunne):
    empty = post(client, "/t/sunne/rounds/units", {"what": "unit", "name": " "})
    assert empty.status_code == 422 and 'href="#name"' in empty.get_data(as_text=True)
    added = post(
        client,
        "/t/sunne/rounds/units",
        {
            "what": "unit",
            "name": "Fastighetsbolaget",
            "kind": "housing_company",
            "partner": str(world.b.id),
        },
    )
    assert added.status_code == 302
    assert (
        post(
            client, "/t/sunne/rounds/units", {"what": "category", "label": "Bilbränder"}
        ).status_code
        == 302
    )
    page = client.get("/t/sunne/rounds/units").get_data(as_text=True)
    assert "Fastighetsbolaget" in page and "Torsby kommun" in page and "Bilbränder" in page
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
        assert ("x_bilbränder", "Bilbränder") in rounds.categories_of(db, world.a)


def test_a_report_after_closing_is_refused_on_the_form(app, client, world, db, sunne):
    made = post(
        client, "/t/sunne/rounds/new", {"period_start": "2026-03-01", "units": [str(sunne[0])]}
    )
    round_id = int(made.location.rstrip("/").rsplit("/", 1)[1])
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
        unit_id = db.scalar(select(RoundUnit.id).where(RoundUnit.round_id == round_id))
    assert post(client, f"/t/sunne/rounds/{round_id}/close", {}).status_code == 302
    url = f"/t/sunne/rounds/{round_id}/units/{unit_id}"
    refused = post(client, url, {"arson-count": "2", "observations": "Brand i förrådet"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "govuk-error-summary" in html
    assert "Brand i förrådet" in html  # what was typed is still there
