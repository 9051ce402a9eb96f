"""Helpers for browser tests (the core's and plugins'): navigate, log in, post forms, run
axe-core (vendored: ``axe.min.js`` beside this file), check reflow. The fixtures are in
:mod:`samverka.testing.browser.fixtures`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from samverka.testing.fixtures import TEST_PASSWORD, totp_code

HERE = Path(__file__).parent
AXE_JS = HERE / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10 Reflow: 320 CSS pixels wide
#: Set to a folder to keep a screenshot of every page state that is checked.
SCREENSHOT_DIR = os.environ.get("SAMVERKA_BROWSER_SCREENSHOTS", "")


def goto(page, path: str, status: int = 200):
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == status, f"GET {path}: {response.status}, expected {status}"
    return response


def switch_language(page, code: str, status: int = 200) -> None:
    """Follow the header's link to language ``code`` (``/language/<code>?next=<this page>``);
    it leads back to this address (with GET), which answers ``status``."""
    with page.expect_navigation() as navigation:
        page.locator(f".samverka-header a[hreflang={code}]").click()
    response = navigation.value
    assert response is not None
    assert response.status == status, f"{page.url}: HTTP {response.status}, expected {status}"
    assert page.get_attribute("html", "lang") == code


def log_in(page, email: str, password: str = TEST_PASSWORD, totp_secret: str | None = None):
    """Log in through the real form: fill e-mail and password, press the button; with a
    TOTP seed, answer the code step with a current code."""
    if "/login" not in page.url:
        goto(page, "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    response = submit_form(page, "email", status=None)
    if totp_secret is not None and urlsplit(page.url).path == "/login/code":
        page.fill("#code", totp_code(totp_secret))
        response = submit_form(page, "code", status=None)
    assert "/login" not in page.url, f"login as {email} failed (HTTP {response.status})"


def submit_form(page, field_id: str, status: int | None = 422):
    """Press the submit button of the form that holds the field with id ``field_id``."""
    with page.expect_navigation() as navigation:
        page.locator(f"form:has(#{field_id})").locator("[type=submit]").click()
    response = navigation.value
    assert response is not None
    if status is not None:
        assert response.status == status, f"POST: HTTP {response.status}, expected {status}"
    return response


_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],  // less work on passes and needs-review results
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map((t) => Array.isArray(t) ? t.join(' >>> ') : t).join(' '),
      summary: (n.failureSummary || '').split('\\n').slice(0, 2).join(' ')
        .replace(/\\s+/g, ' ').trim(),
    })),
  }));
}"""


def axe_violations(page) -> list[dict]:
    """Run axe-core (injected once per document) on the WCAG 2.0/2.1 A and AA rules."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_AXE_RUN, list(WCAG_TAGS))


def format_violations(violations: list[dict], where: str) -> str:
    lines = [f"{len(violations)} axe-core violation(s) on {where}:"]
    for violation in violations:
        lines.append(f"  {violation['id']} [{violation['impact']}] {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    - {node['target']}: {node['summary']}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def overflowing_elements(page) -> list[str]:
    """Elements that stick out of the viewport sideways (WCAG 1.4.10 Reflow), except inside
    data tables and code blocks, which may scroll in two dimensions, and maps, whose
    container clips what lies beyond it (the map pans; static/areamap.js)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const out = [];
          for (const el of document.body.querySelectorAll('*')) {
            if (el.closest('table, pre, .leaflet-container')) continue;
            const box = el.getBoundingClientRect();
            if (box.width <= 1 || box.height <= 1) continue;  // e.g. visually hidden
            if (getComputedStyle(el).visibility === 'hidden') continue;
            if (out.some((o) => o.el.contains(el))) continue;  // report the outermost only
            if (box.right > width + 1 || box.left < -1) {
              const cls = el.className && typeof el.className === 'string'
                ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
              out.push({el, text: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls}`
                + ` (${Math.round(box.left)}..${Math.round(box.right)} of ${width})`});
            }
          }
          return out.map((o) => o.text);
        }"""
    )


def duplicate_ids(page) -> list[str]:
    """Ids used more than once (labels, error links and ARIA references then point to the
    wrong element; axe-core no longer checks this since WCAG 4.1.1 became obsolete)."""
    return page.evaluate(
        """() => {
          const seen = new Map();
          for (const el of document.querySelectorAll('[id]')) {
            seen.set(el.id, (seen.get(el.id) || 0) + 1);
          }
          return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `#${id} (${n} times)`);
        }"""
    )


def accessibility_problems(page, label: str) -> list[str]:
    """axe-core WCAG 2.1 A/AA violations at desktop width and at 320px, where nothing but
    tables and code may stick out sideways either; and duplicate ids. Leaves the viewport at
    desktop width."""
    problems = []
    duplicates = duplicate_ids(page)
    if duplicates:
        problems.append(f"duplicate ids on {label} ({page.url}): {', '.join(duplicates)}")
    for name, size in (("desktop", DESKTOP), ("320px", NARROW)):
        page.set_viewport_size(size)
        where = f"{label} at {name} ({page.url})"
        if SCREENSHOT_DIR:
            safe = re.sub(r"[^A-Za-z0-9]+", "-", f"{label} {name}").strip("-")
            page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{safe}.png"), full_page=True)
        violations = axe_violations(page)
        if violations:
            problems.append(format_violations(violations, where))
        if name == "320px":
            overflow = overflowing_elements(page)
            if overflow:
                problems.append(
                    f"horizontal overflow on {where}:\n" + "\n".join(f"  - {e}" for e in overflow)
                )
    page.set_viewport_size(DESKTOP)
    return problems


def assert_accessible(page, label: str) -> None:
    problems = accessibility_problems(page, label)
    assert not problems, "\n".join(problems)


# Registered before any page script runs (Playwright's init scripts are not subject to CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
"""


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
