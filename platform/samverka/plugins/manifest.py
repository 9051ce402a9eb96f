"""Value objects a plugin hands to the host."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
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
