"""The plugin host: one pluggy manager, entry-point discovery, per-tenant hook callers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pluggy

from samverka.plugins import hookspecs
from samverka.plugins.manifest import PluginManifest

ENTRY_POINT_GROUP = "samverka.plugins"

log = logging.getLogger(__name__)


class PluginError(RuntimeError):
    """A plugin is broken (bad manifest, misspelt hook): the platform must not start."""


class TenantHooks:
    """The hook callers for one set of enabled plugins (pytest's ``FSHookProxy`` idea)."""

    def __init__(self, pm: pluggy.PluginManager, removed: list[object]) -> None:
        self._pm = pm
        self._removed = removed

    def __getattr__(self, name: str) -> Any:
        caller = self._pm.subset_hook_caller(name, remove_plugins=self._removed)
        self.__dict__[name] = caller
        return caller


class PluginHost:
    """Discovers, registers and checks plugins; answers which hooks run for a tenant."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("samverka")
        self.pm.add_hookspecs(hookspecs)
        self.manifests: dict[str, PluginManifest] = {}
        self.internal: set[str] = set()  # the core's own hook modules (see bootstrap)

    def register(self, plugin: object, name: str, *, internal: bool = False) -> None:
        """Register a plugin under ``name`` and read its manifest (internal ones need none)."""
        if self.pm.has_plugin(name):
            return
        self.pm.register(plugin, name=name)
        if internal:
            self.internal.add(name)
            return
        manifest = getattr(plugin, "register_manifest", lambda: None)()
        if not isinstance(manifest, PluginManifest):
            self.pm.unregister(name=name)
            raise PluginError(f"plugin {name!r} must implement register_manifest()")
        if manifest.name != name:
            self.pm.unregister(name=name)
            raise PluginError(f"plugin registered as {name!r} calls itself {manifest.name!r}")
        self.manifests[name] = manifest

    def load_entry_points(self) -> list[str]:
        """Register every plugin installed under the ``samverka.plugins`` entry-point group."""
        from importlib.metadata import entry_points

        loaded = []
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            if not self.pm.has_plugin(entry_point.name):
                self.register(entry_point.load(), entry_point.name)
                loaded.append(entry_point.name)
        return loaded

    def check(self) -> None:
        """Reject hook implementations that match no hookspec (e.g. a misspelt name)."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(str(exc)) from exc

    @property
    def installed(self) -> list[str]:
        return sorted(self.manifests)

    def manifest(self, name: str) -> PluginManifest:
        return self.manifests[name]

    def hooks_for(self, enabled: Iterable[str]) -> TenantHooks:
        """Hook callers that skip every installed plugin not in ``enabled``."""
        return self._hooks_for(frozenset(enabled) & frozenset(self.manifests))

    @lru_cache(maxsize=1024)  # noqa: B019 - one host per app; keyed by the enabled set
    def _hooks_for(self, enabled: frozenset[str]) -> TenantHooks:
        removed = [self.pm.get_plugin(name) for name in self.manifests if name not in enabled]
        return TenantHooks(self.pm, removed)

    def plugin_of(self, obj: object) -> str | None:
        """The plugin name an implementation object was registered under (None: the core's
        own hooks, which are always on and own no URL prefix)."""
        name = self.pm.get_name(obj)
        return None if name in self.internal else name

    @property
    def hook(self) -> Any:
        """Hook callers over every registered plugin: for start-up hooks only."""
        return self.pm.hook

    def __hash__(self) -> int:
        return id(self)
