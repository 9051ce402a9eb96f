"""The chart, rendered offline with helm's own Go library (helm-python-sdk): no cluster."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

CHART = Path(__file__).resolve().parents[2] / "helm" / "samverka"
PRODUCTION = CHART / "ci" / "production-values.yaml"


def render(values: dict | None = None) -> list[dict]:
    """Every object the chart renders (hooks included), parsed."""
    import helm_python

    chart = helm_python.Chart.load(CHART)
    manifests = chart.render(values or {}, name="samverka", namespace="samverka")
    return [
        doc
        for path, text in sorted(manifests.items())
        if not path.endswith("NOTES.txt")
        for doc in yaml.safe_load_all(text)
        if doc
    ]


def production_values() -> dict:
    return yaml.safe_load(PRODUCTION.read_text())


@pytest.fixture(scope="module")
def default_objects() -> list[dict]:
    return render()


@pytest.fixture(scope="module")
def production_objects() -> list[dict]:
    return render(production_values())
