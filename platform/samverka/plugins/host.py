"""The plugin host: one pluggy manager, entry-point discovery, per-tenant hook callers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cached_property, lru_cache
from typing import Any

import pluggy

from samverka.plugins import hookspecs
from samverka.plugins.manifest import PluginManifest
from samverka.plugins.results import RESULTS, check

ENTRY_POINT_GROUP = "samverka.plugins"

log = logging.getLogger(__name__)


class PluginError(RuntimeError):
    """A plugin is broken (bad manifest, misspelt hook): the platform must not start."""


class CheckedCaller:
    """A hook caller whose results are checked against the hook's contract
    (:mod:`samverka.plugins.results`) as each implementation answers, so a wrong shape names
    its plugin. Calls in pluggy's order (the last registered first); hooks with a wrapper or
    a first-result spec go through pluggy itself, unchecked."""

    def __init__(self, caller: Any, contracts: dict) -> None:
        self._caller = caller
        self._contracts = contracts

    def get_hookimpls(self) -> list:
        return self._caller.get_hookimpls()

    def __call__(self, **kwargs: Any) -> list:
        impls = self._caller.get_hookimpls()
        spec = self._caller.spec
        plain = spec is not None and not spec.opts.get("firstresult")
        if not plain or any(i.hookwrapper or i.wrapper for i in impls):
            return self._caller(**kwargs)
        results = []
        for impl in reversed(impls):
            result = impl.function(*(kwargs[name] for name in impl.argnames))
            if result is not None:
                check(self._contracts, self._caller.name, impl.plugin_name, result)
                results.append(result)
        return results


class TenantHooks:
    """The hook callers for one set of enabled plugins (pytest's ``FSHookProxy`` idea)."""

    def __init__(self, pm: pluggy.PluginManager, removed: list[object], contracts: dict) -> None:
        self._pm = pm
        self._removed = removed
        self._contracts = contracts

    def __getattr__(self, name: str) -> Any:
        if self._removed:
            caller = self._pm.subset_hook_caller(name, remove_plugins=self._removed)
        else:
            caller = getattr(self._pm.hook, name)
        checked = CheckedCaller(caller, self._contracts)
        self.__dict__[name] = checked
        return checked


class PluginHost:
    """Discovers, registers and checks plugins; answers which hooks run for a tenant."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("samverka")
        self.pm.add_hookspecs(hookspecs)
        self.manifests: dict[str, PluginManifest] = {}
        self.internal: set[str] = set()  # the core's own hook modules (see bootstrap)
        self.contracts: dict[str, Any] = dict(RESULTS)  # what each hook must return

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
        return TenantHooks(self.pm, removed, self.contracts)

    def plugin_of(self, obj: object) -> str | None:
        """The plugin name an implementation object was registered under (None: the core's
        own hooks, which are always on and own no URL prefix)."""
        name = self.pm.get_name(obj)
        return None if name in self.internal else name

    @property
    def hook(self) -> TenantHooks:
        """Checked hook callers over every registered plugin: for start-up hooks and work
        that concerns every installed plugin (a tenant's archive, its deletion)."""
        return self._all

    @cached_property
    def _all(self) -> TenantHooks:
        return TenantHooks(self.pm, [], self.contracts)

    def collect(self, name: str, **kwargs: Any) -> list[tuple[str | None, Any]]:
        """Each implementation's checked result of hook ``name`` with its owner (None: the
        core's own hooks), in registration order: the core's first, then the plugins'."""
        found = []
        for impl in getattr(self.pm.hook, name).get_hookimpls():
            result = impl.function(*(kwargs[arg] for arg in impl.argnames))
            check(self.contracts, name, impl.plugin_name, result)
            found.append((self.plugin_of(impl.plugin), result))
        return found

    def __hash__(self) -> int:
        return id(self)
