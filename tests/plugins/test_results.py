"""Hook results are typed and checked when collected: a wrong shape names its plugin."""

from __future__ import annotations

import inspect

import pytest

from samverka.bootstrap import build_host
from samverka.plugins import hookspecs
from samverka.plugins.results import ResultError
from samverka.toolkit import NavItem, hookimpl
from tests.plugins.test_host import plugin

#: Hooks whose answer is not collected as a list or dict: the manifest (checked on its own
#: by the host), and hooks that act rather than answer.
ACTING = {"register_manifest", "register_cli_commands", "export_tenant_data"}
ACTING |= {"before_tenant_delete"}


def host_with(name: str, **hooks):
    return build_host([(name, plugin(name, **hooks))], load_entry_points=False)


def test_every_answering_hook_has_a_contract():
    host = build_host(load_entry_points=False)
    hooks = {name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)}
    hooks = {h for h in hooks if hasattr(getattr(hookspecs, h), "samverka_spec")}
    assert hooks - ACTING - set(host.contracts) == set()


def test_a_nav_item_of_the_wrong_type_names_the_plugin():
    @hookimpl
    def register_nav_items(tenant, user):
        return [{"label": "Mina sidor", "endpoint": "x.index"}]

    host = host_with("sloppy", register_nav_items=register_nav_items)
    with pytest.raises(ResultError, match="plugin 'sloppy': hook register_nav_items"):
        host.hooks_for({"sloppy"}).register_nav_items(tenant=None, user=None)


def test_a_summary_without_its_value_names_the_plugin():
    @hookimpl
    def measure_summaries(session, tenant, measure):
        return [{"label": "Anmälda brott"}]

    host = host_with("novalue", measure_summaries=measure_summaries)
    with pytest.raises(ResultError, match=r"'novalue'.*MeasureSummary without value"):
        host.hooks_for({"novalue"}).measure_summaries(session=None, tenant=None, measure=None)


def test_a_job_that_is_not_a_function_stops_start_up():
    @hookimpl
    def register_jobs():
        return {"sync": "not a function"}

    host = host_with("jobless", register_jobs=register_jobs)
    with pytest.raises(ResultError, match="'jobless': hook register_jobs"):
        host.collect("register_jobs")


def test_right_shapes_pass_and_keep_pluggy_order():
    @hookimpl
    def register_nav_items(tenant, user):
        return [NavItem("Mått", "m.index", "tenant:records:read", 5)]

    host = host_with("tidy", register_nav_items=register_nav_items)
    found = host.hooks_for({"tidy"}).register_nav_items(tenant=None, user=None)
    assert found[0][0].endpoint == "m.index"  # the plugin, registered last, answers first
    assert any(item.endpoint == "shell.tenant_home" for group in found for item in group)
    assert host.hooks_for(set()).register_nav_items(tenant=None, user=None)[0][0].order >= 0
