"""Browser-test fixtures: the real app served over HTTP, driven by headless Chromium
(Playwright). Not loaded by default (they need Chromium and Playwright). The repository's
root ``conftest.py`` imports the browser and server fixtures once for the whole session
(two folders each importing ``chromium`` would start a second Playwright inside the first's
event loop), and each folder of browser tests imports the SQLite database into its own
``conftest.py``::

    # conftest.py at the root
    from samverka.testing.browser.fixtures import chromium, live_server, page, strict_page

    # tests/browser/conftest.py
    from samverka.testing.browser.fixtures import sqlite_browser_database

* ``live_server``: the function-scoped ``app`` (fresh, emptied database) served by werkzeug
  on a free loopback port in a background thread. Playwright's sync API stays in the main
  thread; only the server runs in the background.
* ``chromium``: one browser per session (so one per xdist worker); ``page`` is a fresh
  context (own cookies) per test, whose relative URLs go to the live server; ``strict_page``
  obeys the Content-Security-Policy (``page`` bypasses it to inject axe-core).
* ``sqlite_browser_database`` overrides ``samverka_database`` for the folder that imports it:
  SQLite only, since the database backend changes no HTML and running these tests twice
  would only cost time. The plugin parametrises every test whose fixture closure contains
  ``samverka_backend``; this fixture does not ask for it, so the folder's tests are collected
  once, on SQLite, whatever ``--samverka-db`` says.

The helpers (:func:`~samverka.testing.browser.log_in`, ``accessibility_problems``…) are in
:mod:`samverka.testing.browser`. Chromium: ``SAMVERKA_CHROMIUM`` or ``chromium`` on the PATH.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from samverka.testing import databases
from samverka.testing.browser import DESKTOP, RECORD_VIOLATIONS

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    return (
        os.environ.get("SAMVERKA_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
        or "/usr/bin/chromium"
    )


# --- the application under test -------------------------------------------------------------


@pytest.fixture(scope="session", name="samverka_database")
def sqlite_browser_database(plugin_host, tmp_path_factory):
    """A migrated SQLite database for this worker (overrides the parametrised plugin fixture,
    so browser tests do not depend on ``samverka_backend`` and run once)."""
    return databases.sqlite_database(tmp_path_factory.mktemp("sqlite-browser"), plugin_host)


class _InFlight:
    """WSGI middleware that counts running requests, so teardown can wait for them (Chromium
    may still be fetching e.g. /favicon.ico when a test ends)."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.running = 0
        self.idle = threading.Condition()

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        with self.idle:
            self.running += 1
        try:
            # Materialise the body here so the request is finished when the count drops.
            body = self.app(environ, start_response)
            try:
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
        finally:
            with self.idle:
                self.running -= 1
                self.idle.notify_all()

    def wait(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.running == 0, timeout)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """``app`` served on ``http://127.0.0.1:<free port>``; yields the base URL."""
    wsgi = _InFlight(app)
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        assert wsgi.wait(timeout=10), "a request to the live server did not finish"


# --- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the whole session (per xdist worker)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if not Path(executable).exists():
        pytest.fail(f"Chromium not found at {executable} (install it or set SAMVERKA_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium, live_server) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies) of a Swedish-speaking user; relative
    URLs go to the live server. Closed before the server stops."""
    context = chromium.new_context(
        base_url=live_server,
        locale="sv-SE",
        viewport=DESKTOP,
        bypass_csp=True,  # axe is injected as an inline script
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def strict_page(chromium, live_server) -> Iterator[Any]:
    """A page that obeys the Content-Security-Policy (``page`` bypasses it for axe)."""
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
