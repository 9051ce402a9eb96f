"""Chromium under the real Content-Security-Policy: the shell's pages load, GOV.UK Frontend
starts (its module script and the body-class snippet carry the nonce), and nothing reports a
violation, neither as a ``securitypolicyviolation`` event nor on the console."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browserkit import DESKTOP, goto, log_in, submit_form

pytestmark = pytest.mark.browser

# Registered before any page script runs (Playwright's init scripts are not subject to CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
"""
PAGES = [
    ("/t/sunne/", 200),
    ("/t/sunne/admin/members", 200),
    ("/t/sunne/admin/modules", 200),
    ("/no-such-page", 404),
]


@pytest.fixture
def strict_page(chromium, live_server) -> Iterator[Any]:
    """A page that obeys the CSP (the shared ``page`` fixture bypasses it for axe)."""
    context = chromium.new_context(base_url=live_server, locale="sv-SE", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda msg: page.console_messages.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: page.console_messages.append(f"pageerror: {exc}"))
    try:
        yield page
    finally:
        context.close()


def problems(page) -> list[str]:
    """This document's violations, and console reports of CSP refusals or script errors since
    the last call (a 404 for /favicon.ico or the page's own 422 is no problem)."""
    violations = page.evaluate("() => window.__cspViolations")
    console = [
        m
        for m in page.console_messages
        if "Content Security Policy" in m or "Refused to" in m or m.startswith("pageerror")
    ]
    page.console_messages.clear()
    return [f"{page.url}: {v}" for v in violations + console]


def assert_frontend_started(page) -> None:
    page.wait_for_selector("a.govuk-skip-link[data-govuk-skip-link-init]", state="attached")
    classes = page.get_attribute("body", "class") or ""
    assert "govuk-frontend-supported" in classes, "the nonce'd body-class snippet did not run"


def test_shell_pages_load_without_csp_violations(strict_page, tenant_pair, db):
    email = tenant_pair.admin_a.email
    db.close()  # the live server's threads use their own sessions
    goto(strict_page, "/login")
    assert_frontend_started(strict_page)
    strict_page.fill("#email", email)
    strict_page.fill("#password", "not the password")
    submit_form(strict_page, "email", status=422)  # the error summary's script focuses it
    assert_frontend_started(strict_page)
    found = problems(strict_page)
    log_in(strict_page, email)
    for path, status in PAGES:
        goto(strict_page, path, status)
        assert_frontend_started(strict_page)
        found += problems(strict_page)
    assert not found, "\n".join(found)


def test_the_check_would_see_a_violation(strict_page):
    """The listener works: an injected inline script without the nonce is blocked and seen."""
    goto(strict_page, "/login")
    strict_page.evaluate(
        """() => {
          const s = document.createElement('script');
          s.textContent = 'window.__ran = true';
          document.body.appendChild(s);
        }"""
    )
    strict_page.wait_for_function("() => window.__cspViolations.length > 0")
    assert strict_page.evaluate("() => window.__ran") is None
    assert any("script-src" in v for v in strict_page.evaluate("() => window.__cspViolations"))
