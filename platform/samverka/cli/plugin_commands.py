"""``samverka plugin …``: installed plugins, availability per consortium, use per tenant."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from samverka.cli.access import operator_requires
from samverka.cli.output import emit, json_option, operation, parse_json_option
from samverka.db import TenantScope, scoped
from samverka.plugins import services as plugins
from samverka.runtime import db_session, runtime
from samverka.tenancy import services as tenancy


@click.group("plugin", cls=AppGroup)
def plugin() -> None:
    """Plugins: installed once, offered by consortia, enabled per tenant."""


@plugin.command("list")
@click.option("--tenant", "tenant_slug", default=None)
@json_option
@operation
def plugin_list(tenant_slug: str | None, as_json: bool) -> None:
    host = runtime().host
    session = db_session()
    if tenant_slug is None:
        operator_requires("platform:plugins:manage")
        data = [
            {"name": n, "title": str(host.manifest(n).title), "version": host.manifest(n).version}
            for n in host.installed
        ]
    else:
        target = tenancy.get_tenant(session, tenant_slug)
        with scoped(session, TenantScope.for_tenant(target.id)):
            operator_requires("tenant:plugins:view", tenant=target)
            available = set(plugins.available_plugins(session, host, target))
            enabled = plugins.enabled_plugins(session, host, target)
            data = [
                {
                    "name": n,
                    "title": str(host.manifest(n).title),
                    "available": n in available,
                    "enabled": n in enabled,
                    "config": plugins.effective_config(session, host, target, n)
                    if n in available
                    else None,
                }
                for n in host.installed
            ]
    emit(
        as_json,
        data,
        lambda: (
            "\n".join("\t".join(str(v) for k, v in row.items() if k != "config") for row in data)
            or "no plugins installed"
        ),
    )


@plugin.command("allow")
@click.argument("name")
@click.option("--consortium", "consortium_slug", required=True)
@click.option("--config", "config_json", default=None, help="Consortium-level config (JSON).")
@json_option
@operation
def plugin_allow(name: str, consortium_slug: str, config_json: str | None, as_json) -> None:
    session = db_session()
    group = tenancy.get_consortium(session, consortium_slug)
    operator_requires("consortium:plugins:manage", consortium=group)
    config = parse_json_option(config_json, "--config")
    row = plugins.allow_plugin(session, runtime().host, name, group, config)
    emit(
        as_json,
        {"plugin": name, "consortium": group.slug, "config": row.config},
        f"{name} is available to the members of {group.slug}",
    )


@plugin.command("enable")
@click.argument("name")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--config", "config_json", default=None, help="Tenant-level config (JSON).")
@json_option
@operation
def plugin_enable(name: str, tenant_slug: str, config_json: str | None, as_json: bool) -> None:
    session = db_session()
    target = tenancy.get_tenant(session, tenant_slug)
    config = parse_json_option(config_json, "--config")
    host = runtime().host
    with scoped(session, TenantScope.for_tenant(target.id)):
        operator_requires("tenant:plugins:manage", tenant=target)
        plugins.enable_plugin(session, host, target, name, config)
        effective = plugins.effective_config(session, host, target, name)
    emit(
        as_json,
        {"plugin": name, "tenant": target.slug, "enabled": True, "config": effective},
        f"{name} is enabled for {target.slug}",
    )


@plugin.command("disable")
@click.argument("name")
@click.option("--tenant", "tenant_slug", required=True)
@json_option
@operation
def plugin_disable(name: str, tenant_slug: str, as_json: bool) -> None:
    session = db_session()
    target = tenancy.get_tenant(session, tenant_slug)
    with scoped(session, TenantScope.for_tenant(target.id)):
        operator_requires("tenant:plugins:manage", tenant=target)
        plugins.disable_plugin(session, runtime().host, target, name)
    emit(
        as_json,
        {"plugin": name, "tenant": target.slug, "enabled": False},
        f"{name} is disabled for {target.slug}",
    )


@plugin.command("configure")
@click.argument("name")
@click.option("--config", "config_json", required=True, help="Platform-level config (JSON).")
@json_option
@operation
def plugin_configure(name: str, config_json: str, as_json: bool) -> None:
    """Set the platform-wide configuration (the first fallback level)."""
    operator_requires("platform:plugins:manage")
    config = parse_json_option(config_json, "--config") or {}
    plugins.set_platform_config(db_session(), runtime().host, name, config)
    emit(as_json, {"plugin": name, "config": config}, f"platform configuration of {name} set")


def register(cli: click.Group) -> None:
    cli.add_command(plugin)
