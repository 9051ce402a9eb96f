"""The plugin's pages in headless Chromium, on SQLite only (see
:mod:`samverka.testing.browser.fixtures`)."""

from samverka.testing.browser.fixtures import sqlite_browser_database  # noqa: F401 - fixture
