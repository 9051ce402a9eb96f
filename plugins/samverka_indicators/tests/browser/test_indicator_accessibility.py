"""The indicators plugin's pages (list with the import forms, an indicator's page with the
chart, its table and the consortium comparison with a suppressed cell, the upload form,
the definitions) have no axe-core violations, in Swedish and English; nor has a target form
sent with an error, whose summary takes the focus and links to the field."""

from __future__ import annotations

import pytest

from samverka.testing.browser import (
    accessibility_problems,
    goto,
    log_in,
    problems,
    switch_language,
)

pytestmark = pytest.mark.browser


def seed(app, db, tenant_pair, with_plugins) -> None:
    from samverka_indicators import services

    from samverka.testing.core import in_tenant

    for tenant in (tenant_pair.a, tenant_pair.b):
        with_plugins(tenant, "indicators")
    with app.test_request_context():
        with in_tenant(db, tenant_pair.b):
            crimes = services.define_element(db, tenant_pair.b, "crimes", "Brott", shared=True)
            people = services.define_element(
                db, tenant_pair.b, "people", "Folkmängd", aggregation="last", shared=True
            )
            services.define_indicator(
                db,
                tenant_pair.b,
                "violence",
                "Våldsbrott per 100 000",
                "#{crimes}",
                "#{people}",
                factor=100_000,
                shared=True,
            )
            db.commit()
        for tenant, count, population in ((tenant_pair.a, 120, 13366), (tenant_pair.b, 3, 11387)):
            with in_tenant(db, tenant):
                for element, value in ((crimes.id, count), (people.id, population)):
                    services.upsert_values(
                        db,
                        tenant.id,
                        [
                            services.value_row(element, year, "T", value)
                            for year in ("2022", "2023", "2024")
                        ],
                    )
                db.commit()


@pytest.mark.parametrize(
    "path",
    [
        "/t/sunne/indicators/",
        "/t/sunne/indicators/violence",
        "/t/sunne/indicators/import",
        "/t/sunne/indicators/definitions",
    ],
)
def test_indicator_pages_have_no_axe_violations(page, app, tenant_pair, with_plugins, db, path):
    from samverka.testing.fixtures import enrol_totp

    seed(app, db, tenant_pair, with_plugins)
    secret = enrol_totp(db, tenant_pair.admin_a.id)
    db.close()
    log_in(page, tenant_pair.admin_a.email, totp_secret=secret)
    goto(page, path)
    problems = accessibility_problems(page, f"{path} [sv]")
    switch_language(page, "en")
    problems += accessibility_problems(page, f"{path} [en]")
    assert not problems, "\n".join(problems)


def test_a_target_with_an_error_is_announced_and_accessible(
    page, app, tenant_pair, with_plugins, db
):
    from samverka.testing.fixtures import enrol_totp

    seed(app, db, tenant_pair, with_plugins)
    secret = enrol_totp(db, tenant_pair.admin_a.id)
    db.close()
    log_in(page, tenant_pair.admin_a.email, totp_secret=secret)
    goto(page, "/t/sunne/indicators/violence")
    page.get_by_text("Sätt ett mål").click()
    page.get_by_label("Utgångslägets period").fill("2023")
    page.get_by_label("Målperiod").fill("2022")
    page.get_by_label("Målvärde").fill("800")
    page.get_by_role("button", name="Spara målet").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Målperioden måste vara en senare period" in summary.inner_text()
    link = summary.get_by_role("link")
    assert link.get_attribute("href") == "#target_period"
    problems = accessibility_problems(page, "target error [sv]")
    assert not problems, "\n".join(problems)
    page.get_by_label("Målperiod").fill("2027")
    page.get_by_role("button", name="Spara målet").click()
    page.get_by_text("Målet har sparats.").wait_for()
    assert "Utgångsläge" in page.locator(".govuk-summary-list").inner_text()


def test_the_chart_fits_a_phone_obeys_the_csp_and_its_table_is_accessible(
    strict_page, app, tenant_pair, with_plugins, db
):
    """The chart service's figure: the SVG scales to a 390-px phone and draws under the
    real Content-Security-Policy (no inline styles); its table opens."""
    from samverka.testing.fixtures import enrol_totp

    page = strict_page
    seed(app, db, tenant_pair, with_plugins)
    secret = enrol_totp(db, tenant_pair.admin_a.id)
    db.close()
    log_in(page, tenant_pair.admin_a.email, totp_secret=secret)
    page.set_viewport_size({"width": 390, "height": 844})
    goto(page, "/t/sunne/indicators/violence")
    chart = page.locator("figure svg[role=img]")
    box = chart.bounding_box()
    assert box is not None and 200 < box["width"] <= 390 and box["height"] > 100
    assert chart.get_attribute("aria-labelledby")
    page.locator("figure details summary").click()
    table = page.locator("figure details table")
    table.wait_for()
    assert "Period" in table.inner_text() or "Kategori" in table.inner_text()
    assert not problems(page), problems(page)


def test_the_charts_table_opened_has_no_axe_violations(page, app, tenant_pair, with_plugins, db):
    from samverka.testing.fixtures import enrol_totp

    seed(app, db, tenant_pair, with_plugins)
    secret = enrol_totp(db, tenant_pair.admin_a.id)
    db.close()
    log_in(page, tenant_pair.admin_a.email, totp_secret=secret)
    goto(page, "/t/sunne/indicators/violence")
    page.locator("figure details summary").click()
    page.locator("figure details table").wait_for()
    found = accessibility_problems(page, "chart table open [sv]")
    assert not found, "\n".join(found)
