"""Making plugins available (consortium), enabling them (tenant) and resolving their config."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from samverka.audit import field_names, record_event
from samverka.db import session_cache
from samverka.errors import ValidationError
from samverka.plugins.config import resolve_config, validate_config
from samverka.plugins.host import PluginHost
from samverka.plugins.manifest import PluginManifest
from samverka.plugins.models import ConsortiumPlugin, PlatformPluginSetting, TenantPlugin
from samverka.tenants.models import Consortium, Tenant, consortium_tenants


def installed_manifest(host: PluginHost, name: str) -> PluginManifest:
    try:
        return host.manifest(name)
    except KeyError:
        installed = ", ".join(host.installed) or "-"
        raise ValidationError(
            _l(
                "No plugin called %(name)s is installed (installed: %(installed)s).",
                name=name,
                installed=installed,
            ),
            "plugin",
        ) from None


def allow_plugin(
    session: Session,
    host: PluginHost,
    name: str,
    consortium: Consortium,
    config: dict[str, Any] | None = None,
) -> ConsortiumPlugin:
    """A consortium makes an installed plugin available to its members."""
    manifest = installed_manifest(host, name)
    if config:
        validate_config(
            manifest, resolve_config(manifest, platform_config(session, name), [config], None)
        )
    row = session.scalar(
        select(ConsortiumPlugin).where(
            ConsortiumPlugin.consortium_id == consortium.id, ConsortiumPlugin.plugin == name
        )
    )
    if row is None:
        row = ConsortiumPlugin(consortium_id=consortium.id, plugin=name, config=config or {})
        session.add(row)
    elif config is not None:
        row.config = config
    session.flush()
    record_event(
        session,
        "plugin.allow",
        tenant_id=None,
        target_type="plugin",
        target_id=name,
        details={"consortium_id": consortium.id, "config_fields": field_names(config)},
    )
    return row


def disallow_plugin(session: Session, name: str, consortium: Consortium) -> None:
    row = session.scalar(
        select(ConsortiumPlugin).where(
            ConsortiumPlugin.consortium_id == consortium.id, ConsortiumPlugin.plugin == name
        )
    )
    if row is not None:
        session.delete(row)
        session.flush()
        record_event(
            session,
            "plugin.disallow",
            tenant_id=None,
            target_type="plugin",
            target_id=name,
            details={"consortium_id": consortium.id},
        )


def consortium_plugins(session: Session, consortium: Consortium) -> dict[str, ConsortiumPlugin]:
    rows = session.scalars(
        select(ConsortiumPlugin).where(ConsortiumPlugin.consortium_id == consortium.id)
    )
    return {row.plugin: row for row in rows}


def _availability(session: Session, tenant: Tenant) -> list[tuple[str, str, dict]]:
    """(plugin, consortium slug, consortium config) for every consortium of the tenant."""
    rows = session.execute(
        select(ConsortiumPlugin.plugin, Consortium.slug, ConsortiumPlugin.config)
        .join(Consortium, Consortium.id == ConsortiumPlugin.consortium_id)
        .join(consortium_tenants, consortium_tenants.c.consortium_id == Consortium.id)
        .where(consortium_tenants.c.tenant_id == tenant.id)
        .order_by(Consortium.slug)
    )
    return [(plugin, slug, config or {}) for plugin, slug, config in rows]


def available_plugins(session: Session, host: PluginHost, tenant: Tenant) -> list[str]:
    """Installed plugins that one of the tenant's consortia has made available."""
    names = {plugin for plugin, _slug, _config in _availability(session, tenant)}
    return sorted(names & set(host.installed))


def tenant_plugin_rows(session: Session, tenant: Tenant) -> dict[str, TenantPlugin]:
    rows = session.scalars(select(TenantPlugin).where(TenantPlugin.tenant_id == tenant.id))
    return {row.plugin: row for row in rows}


def enabled_plugins(session: Session, host: PluginHost, tenant: Tenant) -> frozenset[str]:
    """Plugins in use by the tenant: installed, still offered by one of its consortia, and
    enabled by the tenant. One query: this runs on every request inside a tenant."""
    return frozenset(session.scalars(enabled_plugins_query(tenant.id))) & frozenset(host.installed)


def enabled_plugins_query(tenant_id: Any) -> Select:
    """The names of the plugins the tenant has enabled and one of its consortia offers
    (installed or not: intersect with the host's). ``tenant_id`` may be a bind parameter."""
    offered = (
        select(ConsortiumPlugin.id)
        .join(
            consortium_tenants,
            consortium_tenants.c.consortium_id == ConsortiumPlugin.consortium_id,
        )
        .where(
            consortium_tenants.c.tenant_id == tenant_id,
            ConsortiumPlugin.plugin == TenantPlugin.plugin,
        )
        .exists()
    )
    return select(TenantPlugin.plugin).where(
        TenantPlugin.tenant_id == tenant_id, TenantPlugin.enabled.is_(True), offered
    )


def platform_config(session: Session, name: str) -> dict[str, Any]:
    row = session.scalar(select(PlatformPluginSetting).where(PlatformPluginSetting.plugin == name))
    return dict(row.config) if row else {}


def set_platform_config(
    session: Session, host: PluginHost, name: str, config: dict[str, Any]
) -> PlatformPluginSetting:
    manifest = installed_manifest(host, name)
    validate_config(manifest, resolve_config(manifest, config, [], None))
    row = session.scalar(select(PlatformPluginSetting).where(PlatformPluginSetting.plugin == name))
    if row is None:
        row = PlatformPluginSetting(plugin=name, config=config)
        session.add(row)
    else:
        row.config = config
    session.flush()
    record_event(
        session,
        "plugin.configure",
        tenant_id=None,
        target_type="plugin",
        target_id=name,
        details={"config_fields": field_names(config)},
    )
    return row


def effective_config(
    session: Session,
    host: PluginHost,
    tenant: Tenant,
    name: str,
    tenant_config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The configuration a tenant runs with: platform → consortium → tenant.

    Memoised per unit of work for the stored configuration (plugins ask for it often).
    """
    if tenant_config is None:
        key = ("plugin_config", tenant.id, name)
        cache = session_cache(session)
        if key not in cache:
            row = tenant_plugin_rows(session, tenant).get(name)
            cache[key] = effective_config(session, host, tenant, name, row.config if row else {})
        return dict(cache[key])
    manifest = installed_manifest(host, name)
    consortia = [
        config for plugin, _slug, config in _availability(session, tenant) if plugin == name
    ]
    return resolve_config(manifest, platform_config(session, name), consortia, tenant_config)


def consortium_config(
    session: Session, host: PluginHost, consortium: Consortium, name: str
) -> dict[str, Any]:
    """What the consortium's members get unless they set it themselves."""
    manifest = installed_manifest(host, name)
    row = consortium_plugins(session, consortium).get(name)
    layer = [row.config or {}] if row else []
    return resolve_config(manifest, platform_config(session, name), layer, None)


def enable_plugin(
    session: Session,
    host: PluginHost,
    tenant: Tenant,
    name: str,
    config: dict[str, Any] | None = None,
) -> TenantPlugin:
    """Enable (or reconfigure) a plugin for the tenant; the caller's scope must be the tenant."""
    manifest = installed_manifest(host, name)
    if name not in available_plugins(session, host, tenant):
        raise ValidationError(
            _l(
                "%(plugin)s is not available to %(tenant)s: none of its consortia offers it.",
                plugin=manifest.title,
                tenant=tenant.name,
            ),
            "plugin",
        )
    row = tenant_plugin_rows(session, tenant).get(name)
    new_config = dict(config) if config is not None else dict(row.config if row else {})
    validate_config(manifest, effective_config(session, host, tenant, name, new_config))
    if row is None:
        row = TenantPlugin(tenant_id=tenant.id, plugin=name, enabled=True, config=new_config)
        session.add(row)
    else:
        row.enabled = True
        row.config = new_config
    session.flush()
    record_event(
        session,
        "plugin.enable",
        tenant_id=tenant.id,
        target_type="plugin",
        target_id=name,
        details={"config_fields": field_names(new_config)},
    )
    return row


def disable_plugin(session: Session, host: PluginHost, tenant: Tenant, name: str) -> None:
    """Disable for the tenant; its configuration is kept for a later re-enable."""
    installed_manifest(host, name)
    row = tenant_plugin_rows(session, tenant).get(name)
    if row is not None:
        row.enabled = False
        session.flush()
        record_event(
            session, "plugin.disable", tenant_id=tenant.id, target_type="plugin", target_id=name
        )
