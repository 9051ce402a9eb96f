"""Value objects a plugin hands to the host."""

from __future__ import annotations

from dataclasses import dataclass, field
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
