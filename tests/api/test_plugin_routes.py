"""Plugins' API routes: mounted under the tenant, refused where they would shadow the core."""

from __future__ import annotations

import types

import pytest

from samverka.plugins.host import PluginError
from samverka.testing.fixtures import create_test_app
from samverka.toolkit import ApiBlueprint, PluginManifest, hookimpl


def plugin_named(name: str) -> types.SimpleNamespace:
    bp = ApiBlueprint(f"{name}_api", __name__)

    @bp.route("/x", methods=["GET"])
    def x():
        return {}

    @hookimpl
    def register_manifest() -> PluginManifest:
        return PluginManifest(name=name, title=name)

    @hookimpl
    def register_api_blueprints() -> list[ApiBlueprint]:
        return [bp]

    return types.SimpleNamespace(
        register_manifest=register_manifest, register_api_blueprints=register_api_blueprints
    )


def test_a_plugin_cannot_take_a_core_path(settings, samverka_plugins):
    with pytest.raises(PluginError, match="members"):
        create_test_app(settings, [*samverka_plugins, ("members", plugin_named("members"))])


def test_a_plugin_route_is_under_its_tenant_and_name(app):
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert "/api/v1/tenants/<tenant>/testplugin/notes" in rules
