"""No axe-core violations (WCAG 2.1 A/AA, desktop and 320px) on the action plan page, the
measure form with errors, the council's page, a meeting's page, my assignments and the
annual calendar, in Swedish and English."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from samverka.db import TenantScope, scoped
from samverka.testing.browser import (
    accessibility_problems,
    goto,
    log_in,
    submit_form,
    switch_language,
)

pytestmark = pytest.mark.browser


def cycle_world(pair, db) -> dict[str, str]:
    """Sunne's picture, plan (a flagged cause, a red measure), council with a meeting."""
    from samverka.records import services
    from samverka.workflows.action_plans import services as plans
    from samverka.workflows.councils import services as councils

    today = plans.today()
    with scoped(db, TenantScope.for_tenant(pair.a.id, pair.admin_a.id)):
        picture = services.create_record(
            db,
            record_type="core.situation_picture",
            title="Lägesbild Sunne",
            data={
                "period_start": "2026-01-01",
                "period_end": "2026-06-30",
                "problems": "Klotter\nRån",
            },
            user=pair.admin_a,
        )
        plan = services.create_record(
            db,
            record_type="core.action_plan",
            title="Åtgärdsplan Sunne",
            data={"title": "Åtgärdsplan Sunne", "valid_from": "2026-01-01"},
            user=pair.admin_a,
        )
        cause = plans.add_cause(
            db,
            plan,
            description="Mörka gångstråk",
            picture_id=picture.id,
            problem_number=2,
            user=pair.admin_a,
        )
        plans.add_cause(db, plan, description="Ingen fritidsgård", user=pair.admin_a)
        measure = plans.add_measure(
            db,
            plan,
            cause_id=cause.id,
            title="Belysning",
            operational_goal="Upplyst",
            due_on=today + timedelta(days=20),
            responsible_tenant=pair.b,
            responsible_name="Gatuenheten",
            user=pair.admin_a,
        )
        plans.follow_up(
            db,
            plan,
            measure,
            status="yellow",
            followed_up_on=today - timedelta(days=30),
            user=pair.admin_a,
        )
        plans.follow_up(db, plan, measure, status="red", comment="Försenat", user=pair.admin_a)
        body = councils.create_council(
            db,
            name="SuToHaMu styrgrupp",
            kind="steering_group",
            consortium="sutohamu",
            user=pair.admin_a,
        )
        councils.add_member(
            db, body, tenant=pair.b, member_user=pair.admin_b, role="Ledamot", user=pair.admin_a
        )
        meeting = councils.add_meeting(
            db,
            body,
            meeting_on=today - timedelta(days=2),
            place="Kommunhuset",
            agenda="Lägesbild\nÅtgärdsplan",
            minutes_text="Mötet öppnades.",
            user=pair.admin_a,
        )
        councils.add_decision(
            db, body, meeting, text="Planen antas", paragraph="§ 1", user=pair.admin_a
        )
        councils.add_assignment(
            db,
            body,
            title="Statistik",
            owner_tenant=pair.a,
            owner_user=pair.admin_a,
            due_on=today + timedelta(days=10),
            meeting=meeting,
            user=pair.admin_a,
        )
        db.commit()
    return {
        "plan": f"/t/sunne/action-plans/{plan.id}",
        "measure": f"/t/sunne/action-plans/{plan.id}/measures/new",
        "council": f"/t/sunne/councils/{body.id}",
        "meeting": f"/t/sunne/councils/meetings/{meeting.id}",
    }


def test_cycle_pages_have_no_axe_violations(page, app, tenant_pair, db):
    from samverka.testing.fixtures import enrol_totp

    with app.test_request_context():
        paths = cycle_world(tenant_pair, db)
    secret = enrol_totp(db, tenant_pair.admin_a.id)
    db.close()
    log_in(page, tenant_pair.admin_a.email, totp_secret=secret)
    states = [
        ("plan", paths["plan"], None),
        ("measure form", paths["measure"], "title"),
        ("council", paths["council"], None),
        ("meeting", paths["meeting"], None),
        ("plans", "/t/sunne/action-plans/", None),
        ("councils", "/t/sunne/councils/", None),
        ("my assignments", "/t/sunne/councils/assignments", None),
        ("calendar", f"/t/sunne/calendar/{date.today().year}", None),
    ]
    problems = []
    for name, path, error_field in states:
        goto(page, path)
        for locale in ("sv", "en"):
            if locale != "sv" or page.get_attribute("html", "lang") != "sv":
                switch_language(page, locale)
            problems += accessibility_problems(page, f"{name} [{locale}]")
            if error_field is not None:
                submit_form(page, error_field, status=422)
                assert page.locator(".govuk-error-summary").is_visible()
                problems += accessibility_problems(page, f"{name} with errors [{locale}]")
                goto(page, path)
        switch_language(page, "sv")
    assert not problems, "\n".join(problems)
