"""Value objects a plugin hands to the host."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypedDict


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


class NavGroup(StrEnum):
    """Where a menu entry sits: a closed set, so the tenant's top row stays one short row
    however many modules are enabled (the overview, then one link per group that has an
    entry the user may see; each group's page lists its entries).

    ``home`` is the tenant's start page (the core's overview) and stands in the top row
    itself; ``work`` is the statutory cycle's work, ``modules`` the plugins' pages (a
    plugin's default) and ``admin`` the organisation's administration.
    """

    HOME = "home"
    WORK = "work"
    MODULES = "modules"
    ADMIN = "admin"


@dataclass(frozen=True)
class NavItem:
    """A menu entry: a label (translatable), a Flask endpoint, the action it needs to show,
    and the group it belongs to (:class:`NavGroup`; a plugin's pages go under "modules"
    unless it says otherwise). An unknown group is refused when the item is made."""

    label: Any
    endpoint: str
    action: str
    order: int = 100
    group: NavGroup = NavGroup.MODULES

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "group", NavGroup(self.group))
        except ValueError:
            known = ", ".join(group.value for group in NavGroup)
            raise ValueError(
                f"nav item {self.endpoint!r}: group {self.group!r} is not one of {known}"
            ) from None


@dataclass(frozen=True)
class OverviewKind:
    """A kind of item on the coordinator's overview (hook ``cycle_overview_items``): its
    heading (translatable) and where its group stands (lower first). Every kind a plugin's
    items use must be declared through ``register_overview_kinds``, so the page never shows
    a raw key as a heading."""

    kind: str
    label: Any
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
# Required keys in a total base class of each: string annotations hide ``Required[]``.


class _EvidenceItemKeys(TypedDict):
    duty: str
    met: bool


class EvidenceItem(_EvidenceItemKeys, total=False):
    """``compliance_evidence``: evidence for one statutory duty (Lag 2023:196)."""

    as_of: Any
    summary: Any
    url: str | None


class _OverviewItemKeys(TypedDict):
    kind: str
    title: Any
    status: str


class OverviewItem(_OverviewItemKeys, total=False):
    """``cycle_overview_items``: one item of the coordinator's start page; ``kind`` groups
    it, ``status`` is one of ``ok``, ``late``, ``red``, ``due``, ``info``."""

    due: Any
    url: str | None


class _CalendarEntryKeys(TypedDict):
    date: Any
    title: Any
    kind: str


class CalendarEntry(_CalendarEntryKeys, total=False):
    """``cycle_calendar_entries``: one date of the annual calendar (årshjul)."""

    url: str | None


class _PictureSectionKeys(TypedDict):
    title: Any
    text: Any


class PictureSection(_PictureSectionKeys, total=False):
    """``situation_picture_sections``: a section of a compiled situation picture."""

    table: list


class _MeasureSummaryKeys(TypedDict):
    label: Any
    value: Any


class MeasureSummary(_MeasureSummaryKeys, total=False):
    """``measure_summaries``: one summary shown on an action plan's measure."""

    trend: str
    url: str | None
    trend_text: Any
    target: Any
    status_text: Any
