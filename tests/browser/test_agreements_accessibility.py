"""axe-core (WCAG 2.1 A/AA, desktop and 320px) on the public pledge page (no login), the
agreement and pledge pages, the compliance page, the consortium's side-by-side page and the
coordinator's overview on the tenant home page, with content in every panel."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from samverka.db import TenantScope, scoped
from samverka.testing.browser import accessibility_problems, goto, log_in

pytestmark = pytest.mark.browser


def seed(app, db, pair) -> dict[str, int]:
    from samverka.workflows.agreements import services as ag
    from samverka.workflows.compliance import services as compliance

    soon = (date.today() + timedelta(days=30)).isoformat()
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(pair.a.id, pair.admin_a.id)):
        agreement = ag.create_agreement(
            db,
            title="Samverkansöverenskommelse Sunne",
            data={"valid_from": "2024-01-01", "valid_to": soon, "problems": "Narkotika\nOtrygghet"},
            parties=[{"tenant": "sunne"}, {"name": "Polisområde Värmland"}],
            signatories=[{"name": "Anna Ek", "title": "KSO", "signed_on": "2024-01-10"}],
            user=pair.admin_a,
        )
        pledge = ag.create_pledge(
            db,
            title="Medborgarlöfte Sunne",
            data={
                "valid_from": "2024-01-01",
                "public_text": "Vi lovar att öka tryggheten i centrum.",
                "focus_areas": "Centrum\nSkolvägar",
                "published": True,
            },
            activities=[{"description": "Trygghetsvandring", "owner_name": "Fritid"}],
            user=pair.admin_a,
        )
        ag.record_follow_up(
            db,
            pledge,
            year=date.today().year - 1,
            status="partly",
            text="Halvvägs",
            user=pair.admin_a,
        )
        compliance.save_settings(
            db, pair.a, cycle_months=12, decision_body="Kommunstyrelsen", coordinator_name="Kim"
        )
        db.commit()
        return {"agreement": agreement.id, "pledge": pledge.id}


def test_the_pages_are_accessible(page, app, db, tenant_pair):
    from samverka.testing.fixtures import enrol_totp

    made = seed(app, db, tenant_pair)
    found: list[str] = []
    goto(page, "/offentligt/sunne/medborgarloften")
    assert "Vi lovar att öka tryggheten" in page.content()
    found += accessibility_problems(page, "public pledges")
    secret = enrol_totp(db, tenant_pair.admin_a.id)
    consortium_secret = enrol_totp(db, tenant_pair.consortium_admin.id)
    db.close()
    log_in(page, tenant_pair.admin_a.email, totp_secret=secret)
    for label, path in [
        ("home with overview", "/t/sunne/"),
        ("overview", "/t/sunne/overview/"),
        ("compliance", "/t/sunne/compliance/"),
        ("compliance settings", "/t/sunne/compliance/settings"),
        ("agreements", "/t/sunne/agreements/"),
        ("agreement", f"/t/sunne/agreements/{made['agreement']}/"),
        ("new agreement", "/t/sunne/agreements/new"),
        ("pledges", "/t/sunne/pledges/"),
        ("pledge", f"/t/sunne/pledges/{made['pledge']}/"),
        ("edit pledge", f"/t/sunne/pledges/{made['pledge']}/edit"),
    ]:
        goto(page, path)
        found += accessibility_problems(page, label)
    page.context.clear_cookies()
    log_in(page, tenant_pair.consortium_admin.email, totp_secret=consortium_secret)
    goto(page, "/consortia/sutohamu/compliance")
    found += accessibility_problems(page, "consortium compliance")
    assert not found, "\n".join(found)
