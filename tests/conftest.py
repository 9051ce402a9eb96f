"""Registers the test plugin for the whole suite (it is not installed as a distribution)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "testplugin"))

import samverka_testplugin


@pytest.fixture(scope="session")
def samverka_plugins():
    return [(samverka_testplugin.NAME, samverka_testplugin)]
