"""The overview of a partner that works with several municipalities (the demo's police):
its "Organisation" column and the declared group headings have no axe-core violations, in
Swedish and English, at desktop width and at 320px."""

from __future__ import annotations

import pytest

from samverka.testing.browser import accessibility_problems, goto, log_in, switch_language

pytestmark = pytest.mark.browser


def test_the_police_overview_naming_organisations(app, db, registry, page):
    from samverka import demo

    with app.test_request_context():
        demo.seed(db, registry)
        db.commit()
    db.close()
    log_in(page, "kommunpolis@polisen.test", password=demo.DEMO_PASSWORD)
    goto(page, "/t/polisen-lpo-torsby/overview/")
    assert page.locator("td[data-organisation]").count() >= 3
    problems = accessibility_problems(page, "police overview [sv]")
    switch_language(page, "en")
    assert page.locator("th", has_text="Organisation").count() >= 1
    problems += accessibility_problems(page, "police overview [en]")
    assert not problems, "\n".join(problems)
