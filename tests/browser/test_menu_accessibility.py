"""The grouped tenant menu in Chromium: a coordinator with every module enabled sees one row
(the overview and three groups) at desktop width, no axe-core violations on a group's page
(Swedish and English, desktop and 320px), the keyboard alone reaches a page in two steps
(group, then entry) with the group marked, and without JavaScript the same two clicks work
at 320px (the menu does not hide behind a button that needs a script)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from samverka.db import TenantScope, scoped
from samverka.testing.browser import (
    NARROW,
    SCREENSHOT_DIR,
    accessibility_problems,
    goto,
    log_in,
    switch_language,
)

pytestmark = pytest.mark.browser

TOP = ".govuk-service-navigation__list > li > a"


@pytest.fixture
def coordinator(app, db, registry, tenant_pair, with_plugins):
    """Sunne's coordinator; Sunne has enabled every installed module."""
    from samverka.auth import services as accounts

    with_plugins(tenant_pair.a, *app.extensions["samverka"].host.installed)
    user = accounts.create_user(db, "samordnare@sunne.test", "Samordnare", tenant_pair.password)
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.add_member(db, registry, user, tenant_pair.a, "coordinator")
    db.commit()
    db.close()
    return user


def shot(page, name: str) -> None:
    if SCREENSHOT_DIR:
        page.screenshot(path=f"{SCREENSHOT_DIR}/{name}.png", full_page=False)


def in_english(page, user) -> None:
    """Logged in, on the tenant's start page, in English (tests match English text; the
    Swedish words are the translators')."""
    log_in(page, user.email)
    goto(page, "/t/sunne/")
    switch_language(page, "en")


def test_one_row_with_every_module_and_no_violations(page, coordinator):
    in_english(page, coordinator)
    links = page.locator(TOP)
    assert links.all_inner_texts() == ["Overview", "Work", "Modules", "Administration"]
    tops = {round(box["y"]) for box in (link.bounding_box() for link in links.all())}
    assert len(tops) == 1, f"the menu wraps onto {len(tops)} rows"
    shot(page, "nav-home-coordinator")
    problems = []
    for group in ("work", "modules", "admin"):
        goto(page, f"/t/sunne/menu/{group}")
        shot(page, f"nav-group-{group}")
        for locale in ("en", "sv"):
            switch_language(page, locale)
            problems += accessibility_problems(page, f"menu group {group} [{locale}]")
    assert not problems, "\n".join(problems)


def test_two_steps_with_the_keyboard_and_the_group_is_marked(page, coordinator):
    in_english(page, coordinator)
    work = page.locator(TOP, has_text="Work")
    for _ in range(40):  # Tab through the header to the group's link
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Work":
            break
    else:
        pytest.fail("Tab never reached the menu's Work link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/t/sunne/menu/work"
    assert work.get_attribute("aria-current") == "page"
    entry = page.locator("#nav-group-work a", has_text="Action plans")
    entry.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/t/sunne/action-plans/"
    assert page.locator(TOP, has_text="Work").get_attribute("aria-current") == "true"
    assert page.locator(TOP, has_text="Overview").get_attribute("aria-current") is None


def test_two_clicks_without_javascript_on_a_narrow_screen(chromium, live_server, coordinator):
    context = chromium.new_context(
        base_url=live_server, locale="en-GB", viewport=NARROW, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        log_in(page, coordinator.email)
        goto(page, "/t/sunne/")
        administration = page.locator(TOP, has_text="Administration")
        assert administration.is_visible(), "without a script the menu must still show"
        shot(page, "nav-320px-no-js")
        with page.expect_navigation():
            administration.click()
        with page.expect_navigation():
            page.locator("#nav-group-admin a", has_text="Members").click()
        assert urlsplit(page.url).path == "/t/sunne/admin/members"
    finally:
        context.close()
