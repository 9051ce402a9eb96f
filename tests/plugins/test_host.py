"""The plugin host: discovery, validation at start-up, per-tenant hook callers."""

from __future__ import annotations

import types

import pytest

from samverka.plugins.host import PluginError, PluginHost
from samverka.toolkit import PluginManifest, hookimpl


def plugin(name: str, **hooks) -> types.ModuleType:
    """A plugin module made on the fly (pluggy needs hashable plugin objects)."""

    @hookimpl
    def register_manifest():
        return PluginManifest(name=name, title=name)

    module = types.ModuleType(f"plugin_{name}")
    for hook_name, func in {"register_manifest": register_manifest, **hooks}.items():
        setattr(module, hook_name, func)
    return module


def test_a_misspelt_hook_stops_start_up():
    @hookimpl
    def register_navitems(tenant, user):  # missing underscore: no such hook
        return []

    host = PluginHost()
    host.register(plugin("typo", register_navitems=register_navitems), "typo")
    with pytest.raises(PluginError, match="register_navitems"):
        host.check()


def test_manifest_name_must_match_the_registered_name():
    with pytest.raises(PluginError, match="calls itself"):
        PluginHost().register(plugin("intox"), "extremism")


def test_a_plugin_without_manifest_is_refused():
    with pytest.raises(PluginError, match="register_manifest"):
        PluginHost().register(types.ModuleType("nameless"), "nameless")


def test_discovery_through_the_entry_point_group(tmp_path, monkeypatch):
    package = tmp_path / "samverka_found.py"
    package.write_text(
        "from samverka.toolkit import PluginManifest, hookimpl\n"
        "@hookimpl\n"
        "def register_manifest():\n"
        "    return PluginManifest(name='found', title='Found')\n"
    )
    dist = tmp_path / "samverka_found-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: samverka-found\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[samverka.plugins]\nfound = samverka_found\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = PluginHost()
    before.load_entry_points()  # the plugins installed in this environment (indicators)
    host = PluginHost()
    assert "found" in host.load_entry_points()
    assert sorted(host.installed) == sorted({"found", *before.installed})
    assert str(host.manifest("found").title) == "Found"


def test_per_tenant_hooks_call_only_enabled_plugins():
    calls = []

    def nav(name):
        @hookimpl
        def register_nav_items(tenant, user):
            calls.append(name)
            return []

        return register_nav_items

    host = PluginHost()
    host.register(plugin("one", register_nav_items=nav("one")), "one")
    host.register(plugin("two", register_nav_items=nav("two")), "two")
    host.hooks_for({"two"}).register_nav_items(tenant=None, user=None)
    assert calls == ["two"]
    calls.clear()
    host.hooks_for(set()).register_nav_items(tenant=None, user=None)
    assert calls == []
    assert host.hooks_for({"one"}) is host.hooks_for(["one"])
