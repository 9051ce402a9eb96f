"""No axe-core violations (WCAG 2.1 A/AA, desktop and 320px) on the register of areas: the
list, an area's page with its border versions, the new-area form with errors and the border
upload with a refused file, in Swedish and English."""

from __future__ import annotations

import json

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
RING = [[13.13, 59.83], [13.16, 59.83], [13.16, 59.85], [13.13, 59.85], [13.13, 59.83]]
OSLO = {
    "type": "Polygon",
    "coordinates": [[[10.7, 59.9], [10.8, 59.9], [10.8, 60.0], [10.7, 60.0], [10.7, 59.9]]],
}


def test_area_pages_have_no_axe_violations(page, app, tenant_pair, db):
    from samverka.areas import services as areas
    from samverka.testing.fixtures import enrol_totp

    with app.test_request_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        area = areas.create_area(db, tenant_pair.a, "Centrum", "district", tenant_pair.admin_a)
        areas.set_geometry(db, area, {"type": "Polygon", "coordinates": [RING]})
        areas.set_geometry(db, area, {"type": "Polygon", "coordinates": [RING[::-1]]})
        areas.create_area(db, tenant_pair.a, "Lysvik", "village", tenant_pair.admin_a)
        db.commit()
        area_id = area.id
    secret = enrol_totp(db, tenant_pair.admin_a.id)
    db.close()
    log_in(page, tenant_pair.admin_a.email, totp_secret=secret)
    problems = []
    for locale in ("sv", "en"):
        goto(page, "/t/sunne/areas/")
        if page.get_attribute("html", "lang") != locale:
            switch_language(page, locale)
        problems += accessibility_problems(page, f"areas [{locale}]")
        goto(page, f"/t/sunne/areas/{area_id}/")
        problems += accessibility_problems(page, f"area [{locale}]")
        goto(page, "/t/sunne/areas/new")
        problems += accessibility_problems(page, f"new area [{locale}]")
        submit_form(page, "name", status=422)
        assert page.locator(".govuk-error-summary").is_visible()
        problems += accessibility_problems(page, f"new area with errors [{locale}]")
        goto(page, f"/t/sunne/areas/{area_id}/boundary")
        problems += accessibility_problems(page, f"border upload [{locale}]")
        page.set_input_files(
            "#file",
            files=[
                {
                    "name": "oslo.geojson",
                    "mimeType": "application/geo+json",
                    "buffer": json.dumps(OSLO).encode(),
                }
            ],
        )
        submit_form(page, "file", status=422)
        assert page.locator(".govuk-error-summary").is_visible()
        problems += accessibility_problems(page, f"border upload refused [{locale}]")
    assert not problems, "\n".join(problems)
