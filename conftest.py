"""Registers the core's test plugin (``tests/testplugin``, not installed as a distribution)
for every test under the repository: the core's (``tests/``) and the plugins' own
(``plugins/*/tests/``).

It sits at the root, not in ``tests/conftest.py``, because ``samverka_plugins`` decides how
the session's database is migrated (``plugin_host`` and ``samverka_database`` are
session-scoped and built once per backend): were it overridden for one folder only, whichever
folder ran first in an xdist worker would set the schema for both.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "tests" / "testplugin"))

import samverka_testplugin


@pytest.fixture(scope="session")
def samverka_plugins():
    return [(samverka_testplugin.NAME, samverka_testplugin)]
