"""Registers the core's test plugin (``tests/testplugin``, not installed as a distribution)
and the browser fixtures for every test under the repository: the core's (``tests/``) and
the plugins' own (``plugins/*/tests/``).

It sits at the root, not in ``tests/conftest.py``, because ``samverka_plugins`` decides how
the session's database is migrated (``plugin_host`` and ``samverka_database`` are
session-scoped and built once per backend): were it overridden for one folder only, whichever
folder ran first in an xdist worker would set the schema for both. Likewise one ``chromium``
per session: two would start a second Playwright inside the first's event loop. Each folder
of browser tests picks its SQLite database in its own ``conftest.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from samverka.testing.browser.fixtures import (  # noqa: F401 - fixtures
    chromium,
    live_server,
    page,
    strict_page,
)

sys.path.insert(0, str(Path(__file__).parent / "tests" / "testplugin"))

import samverka_testplugin


@pytest.fixture(scope="session")
def samverka_plugins():
    return [(samverka_testplugin.NAME, samverka_testplugin)]
