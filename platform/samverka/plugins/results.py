"""What each hook must return, checked when the results are collected.

A plugin that returns the wrong shape (a dict where a :class:`~samverka.plugins.manifest.
NavItem` belongs, an overview item without its ``kind``) stops with a :class:`ResultError`
that names the plugin and the hook, instead of failing later inside a template or a job.
The contracts of the hooks whose result types live above the plugin host (record types) are
added by the composition root (:func:`samverka.bootstrap.build_host`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, is_typeddict

from flask import Blueprint

from samverka.auth.permissions import Permission, Role
from samverka.plugins.manifest import (
    CalendarEntry,
    EvidenceItem,
    MeasureSummary,
    NavItem,
    OverviewItem,
    OverviewKind,
    PeriodicJob,
    PictureSection,
    PublishedSeries,
)


class ResultError(TypeError):
    """A hook implementation returned something its hook does not accept."""


def _describe(kind: Any) -> str:
    return getattr(kind, "__name__", str(kind))


def _is_a(value: Any, kind: Any) -> str | None:
    """None if ``value`` is a ``kind`` (a class or a TypedDict), else what is wrong."""
    if is_typeddict(kind):
        if not isinstance(value, dict):
            return f"a {type(value).__name__}, not a dict ({_describe(kind)})"
        missing = sorted(kind.__required_keys__ - value.keys())
        return f"a {_describe(kind)} without {', '.join(missing)}" if missing else None
    return None if isinstance(value, kind) else f"a {type(value).__name__}, not {_describe(kind)}"


@dataclass(frozen=True)
class ListOf:
    """A list (or tuple) whose every item is an ``item``."""

    item: Any

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, list | tuple):
            return f"a {type(value).__name__}, not a list of {_describe(self.item)}"
        for index, entry in enumerate(value):
            wrong = _is_a(entry, self.item)
            if wrong:
                return f"item {index} is {wrong}"
        return None


@dataclass(frozen=True)
class MappingOf:
    """A dict of ``key`` type to values that pass ``value``."""

    key: type
    value: Callable[[Any], bool]
    value_name: str

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, Mapping):
            return f"a {type(value).__name__}, not a dict"
        for key, entry in value.items():
            if not isinstance(key, self.key) or not self.value(entry):
                return f"entry {key!r} is not {_describe(self.key)} → {self.value_name}"
        return None


#: The hooks' result contracts (hooks returning nothing are not listed).
RESULTS: dict[str, ListOf | MappingOf] = {
    "register_roles": ListOf(Role),
    "register_permissions": ListOf(Permission),
    "register_blueprints": ListOf(Blueprint),
    "register_api_blueprints": ListOf(Blueprint),
    "register_nav_items": ListOf(NavItem),
    "register_jobs": MappingOf(str, callable, "a function"),
    "register_periodic_jobs": ListOf(PeriodicJob),
    "compliance_evidence": ListOf(EvidenceItem),
    "cycle_overview_items": ListOf(OverviewItem),
    "cycle_calendar_entries": ListOf(CalendarEntry),
    "situation_picture_sections": ListOf(PictureSection),
    "measure_summaries": ListOf(MeasureSummary),
    "publish_series": ListOf(PublishedSeries),
    "register_overview_kinds": ListOf(OverviewKind),
    "seed_demo": MappingOf(str, lambda n: isinstance(n, int), "a count"),
}


def check(contracts: Mapping[str, Any], hook: str, plugin: str, value: Any) -> None:
    """Raise :class:`ResultError` naming ``plugin`` when ``value`` breaks ``hook``'s contract."""
    contract = contracts.get(hook)
    if contract is None or value is None:
        return
    wrong = contract.problem(value)
    if wrong:
        raise ResultError(f"plugin {plugin!r}: hook {hook} returned {wrong}")
