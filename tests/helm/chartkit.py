"""Helpers for the chart tests: the chart rendered offline with helm's own Go library
(helm-python-sdk), no cluster. A module of its own name (not conftest) so that importing it
never picks up another folder's conftest."""

from __future__ import annotations

from pathlib import Path

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
