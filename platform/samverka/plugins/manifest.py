"""Typed hook results: the value objects a plugin (or the core) hands to the host."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any


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
