"""Typed hook results: the value objects a plugin (or the core) hands to the host."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Required, TypedDict


@dataclass(frozen=True)
class PluginManifest:
    """What the host needs to know about a plugin before any tenant enables it.

    ``config_schema`` is a JSON Schema (draft 2020-12) for the plugin's configuration;
    ``default_config`` is the platform-level default that consortium and tenant override.
    ``migrations`` is the folder of the plugin's own Alembic revisions (own version table).
    """

    name: str
    title: Any
    description: Any = ""
    version: str = "0"
    config_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    default_config: dict[str, Any] = field(default_factory=dict)
    migrations: Path | None = None


@dataclass(frozen=True)
class NavItem:
    """A menu entry: a label (translatable), a Flask endpoint, the action it needs to show."""

    label: Any
    endpoint: str
    action: str
    order: int = 100


@dataclass(frozen=True)
class PeriodicJob:
    """Periodic work: ``func(session, now)`` every ``every``; ``per_tenant``: once per tenant
    (session scoped to it), else once for the platform (session scoped to every tenant and
    to the platform's own rows)."""

    name: str
    every: timedelta
    func: Callable[[Any, datetime], Any]
    per_tenant: bool = False


@dataclass(frozen=True)
class PublishedSeries:
    """A countable series a module publishes (hook ``publish_series``): ``values`` maps a
    period (``2024``, ``2024Q1``, ``202401``) to a number. Any module may read the series of
    the others (e.g. the indicators plugin stores them as data elements' sources)."""

    code: str
    label: str
    unit: str = "antal"
    values: dict = field(default_factory=dict)


# -- the dict-shaped results of the per-tenant hooks (checked when collected) -----------


class EvidenceItem(TypedDict, total=False):
    """``compliance_evidence``: evidence for one statutory duty (Lag 2023:196)."""

    duty: Required[str]
    met: Required[bool]
    as_of: Any
    summary: Any
    url: str | None


class OverviewItem(TypedDict, total=False):
    """``cycle_overview_items``: one item of the coordinator's start page; ``kind`` groups
    it, ``status`` is one of ``ok``, ``late``, ``red``, ``due``, ``info``."""

    kind: Required[str]
    title: Required[Any]
    status: Required[str]
    due: Any
    url: str | None


class CalendarEntry(TypedDict, total=False):
    """``cycle_calendar_entries``: one date of the annual calendar (årshjul)."""

    date: Required[Any]
    title: Required[Any]
    kind: Required[str]
    url: str | None


class PictureSection(TypedDict, total=False):
    """``situation_picture_sections``: a section of a compiled situation picture."""

    title: Required[Any]
    text: Required[Any]
    table: list


class MeasureSummary(TypedDict, total=False):
    """``measure_summaries``: one summary shown on an action plan's measure."""

    label: Required[Any]
    value: Required[Any]
    trend: str
    url: str | None
    trend_text: Any
    target: Any
    status_text: Any
