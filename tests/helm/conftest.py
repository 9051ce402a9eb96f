"""Rendered objects of the chart, once per module: with the defaults and production-like."""

from __future__ import annotations

import pytest
from chartkit import production_values, render


@pytest.fixture(scope="module")
def default_objects() -> list[dict]:
    return render()


@pytest.fixture(scope="module")
def production_objects() -> list[dict]:
    return render(production_values())
