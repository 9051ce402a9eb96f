"""Browser tests: the real app served over HTTP, driven by headless Chromium (Playwright),
SQLite only. The fixtures (``live_server``, ``chromium``, ``page``, ``strict_page``, the
SQLite ``samverka_database``) and the helpers (``log_in``, ``switch_language``,
``submit_form``, ``accessibility_problems`` running the vendored axe-core at desktop width
and at 320px) live in :mod:`samverka.testing.browser`, so that plugins' browser tests use
them too. ``SAMVERKA_BROWSER_SCREENSHOTS=<folder>`` keeps a screenshot of every state
checked.
"""

from samverka.testing.browser.fixtures import sqlite_browser_database  # noqa: F401 - fixture
