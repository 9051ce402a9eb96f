"""The monthly routine in Chromium, counted: from the overview, open a round (the units
then report, made by the fixture), compile the situation picture (a real worker runs the
job) and download it as PDF — at most ten clicks and form submissions. Then axe-core
(WCAG 2.1 A/AA, desktop and 320px) on the round's status page, the report form showing
errors, and the picture page."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from samverka.testing.browser import accessibility_problems, goto, log_in

sys.path.insert(0, str(Path(__file__).parent.parent / "jobs"))
from jobkit import worker_process

from samverka.db import TenantScope, scoped

pytestmark = pytest.mark.browser
MAX_STEPS = 10


class Counter:
    """Counts what the coordinator does: each click on a link or button, each submission."""

    def __init__(self, page) -> None:
        self.page, self.steps = page, 0

    def click(self, selector: str) -> None:
        self.steps += 1
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()

    def reload(self) -> None:
        self.steps += 1
        self.page.reload()

    def download(self, selector: str) -> bytes:
        self.steps += 1
        with self.page.expect_download() as event:
            self.page.locator(selector).first.click()
        return Path(event.value.path()).read_bytes()


def rounds_page(me: Counter) -> None:
    """Through the tenant menu: its group "Work", then "Reporting rounds" (two clicks)."""
    me.click(".govuk-service-navigation__list a[href='/t/sunne/menu/work']")
    me.click("#nav-group-work a[href='/t/sunne/rounds/']")


def units_report(app, db, tenant_pair) -> None:
    """Three units report (as the units' own people would, in their forms)."""
    from sqlalchemy import select

    from samverka.workflows.rounds import services as rounds
    from samverka.workflows.rounds.models import RoundUnit

    with (
        app.test_request_context(),
        scoped(db, TenantScope.for_tenant(tenant_pair.a.id, tenant_pair.admin_a.id)),
    ):
        units = db.scalars(select(RoundUnit).order_by(RoundUnit.id)).all()[:3]
        for n, unit in enumerate(units):
            rounds.submit_report(
                db,
                unit,
                lines=[
                    {
                        "category": "vandalism",
                        "count": 3 + n,
                        "area": "Centrum",
                        "weekday": "fri",
                        "time_of_day": "evening",
                        "trend": "up",
                    }
                ],
                observations="Oro vid busstationen",
                user=tenant_pair.admin_a,
            )
        db.commit()
    db.close()


def test_open_to_pdf_in_ten_steps_and_the_pages_are_accessible(
    app, page, settings, tenant_pair, db
):
    from samverka.jobs.queue import connect
    from samverka.testing.fixtures import enrol_totp

    connect(settings).flushdb()
    secret = enrol_totp(db, tenant_pair.admin_a.id)
    db.close()
    log_in(page, tenant_pair.admin_a.email, totp_secret=secret)
    goto(page, "/t/sunne/")
    me = Counter(page)
    rounds_page(me)
    me.click("#open-round")
    me.click("#submit-round")
    status_url = page.url
    assert "/t/sunne/rounds/" in status_url

    units_report(app, db, tenant_pair)

    rounds_page(me)
    me.click("#rounds a")
    problems = accessibility_problems(page, "round status")
    worker = worker_process(settings, 60)
    try:
        me.click("#compile")
        page.locator("[data-job-status]").first.wait_for(timeout=5_000)
        page.wait_for_function(
            "() => document.body.innerText.includes('Klart') "
            "|| document.body.innerText.includes('Finished')",
            timeout=60_000,
        )
    finally:
        worker.terminate()
    me.reload()
    pdf = me.download("#picture-pdf")
    assert pdf.startswith(b"%PDF-")
    assert me.steps <= MAX_STEPS, f"{me.steps} steps from opening a round to the PDF"

    page.locator("#picture-link a").first.click()
    page.wait_for_load_state()
    assert page.locator("#figures").is_visible()
    problems += accessibility_problems(page, "situation picture")

    goto(page, status_url)
    report_link = page.locator("#units a").first.get_attribute("href")
    goto(page, report_link)
    page.fill("#vandalism-count", "många")
    with page.expect_navigation() as navigation:
        page.locator("#submit-report").click()
    assert navigation.value.status == 422
    assert page.locator(".govuk-error-summary a[href='#vandalism-count']").is_visible()
    problems += accessibility_problems(page, "report form with errors")
    assert not problems, "\n".join(problems)
