"""A job's progress bar advances in Chromium without the page reloading: an administrator
starts the core's test job (count to 20), a real worker process runs it, ``jobs.js`` polls
the JSON endpoint under the real Content-Security-Policy."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from samverka.testing.browser import DESKTOP, goto, log_in, submit_form

sys.path.insert(0, str(Path(__file__).parent.parent / "jobs"))
from jobkit import worker_process

from samverka.testing.fixtures import enrol_totp

pytestmark = pytest.mark.browser


def test_the_progress_bar_advances_without_a_reload(
    chromium, live_server, app, settings, tenant_pair, db
):
    from samverka.jobs.queue import connect

    connect(settings).flushdb()
    secret = enrol_totp(db, tenant_pair.admin_a.id)
    db.close()
    context = chromium.new_context(base_url=live_server, locale="sv-SE", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    navigations: list[str] = []
    worker = worker_process(settings, 60)
    try:
        log_in(page, tenant_pair.admin_a.email, totp_secret=secret)
        goto(page, "/t/sunne/jobs/")
        submit_form(page, "submit", status=200)
        assert urlsplit(page.url).path.startswith("/t/sunne/jobs/"), page.url
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        assert page.locator("[data-job-refresh]").is_hidden()  # the script took over
        seen = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            seen.append(page.eval_on_selector("progress", "bar => bar.value"))
            if page.inner_text("[data-job-text]") == "Klart.":
                break
            time.sleep(0.2)
        assert page.inner_text("[data-job-text]") == "Klart.", seen
        advancing = [v for v in dict.fromkeys(seen) if 0 < v < 20]
        assert len(advancing) >= 3, f"the bar did not advance step by step: {seen}"
        assert seen == sorted(seen)
        assert page.get_attribute("[data-job-text]", "aria-live") == "polite"
        assert navigations == [], f"the page reloaded: {navigations}"
        assert violations == []
    finally:
        worker.terminate()
        worker.wait(90)  # a warm shutdown; slow only on a loaded 2-core machine
        context.close()
