"""Making plugins available (consortium), enabling them (tenant) and resolving their config."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from samverka.audit import field_names, record_event
from samverka.db import read_only_scope, session_cache
from samverka.errors import ValidationError
from samverka.plugins.config import resolve_config, validate_config
from samverka.plugins.host import PluginHost
from samverka.plugins.manifest import PluginManifest, PublishedSeries
from samverka.plugins.models import ConsortiumPlugin, PlatformPluginSetting, TenantPlugin
from samverka.runtime import runtime
from samverka.tenants.models import Consortium, Tenant, consortium_tenants
from samverka.tenants.models import consortium_tenants as links


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


def plugin_config_for(session, tenant_id: int, name: str) -> dict:
    """Tenant ``tenant_id``'s effective configuration of plugin ``name`` where there is no
    request (in a job: :func:`plugin_config` needs ``g.tenant``)."""
    return effective_config(session, runtime().host, session.get(Tenant, tenant_id), name)


def consortium_members(session, tenant, plugin: str | None = None) -> list:
    """The tenants that share a consortium with ``tenant`` (itself included), by name; with
    ``plugin``, only those that have enabled it."""
    mine = select(links.c.consortium_id).where(links.c.tenant_id == tenant.id)
    ids = select(links.c.tenant_id).where(links.c.consortium_id.in_(mine))
    found = list(session.scalars(select(Tenant).where(Tenant.id.in_(ids)).order_by(Tenant.name)))
    if tenant.id not in {t.id for t in found}:
        found = sorted([*found, tenant], key=lambda t: t.name)
    if plugin is not None:  # enablements are the tenants' own rows: read in their scope
        if plugin not in runtime().host.installed:
            return []
        with read_only_scope(session, [t.id for t in found]):
            enabled = set(session.scalars(enabled_among(plugin, [t.id for t in found])))
        found = [t for t in found if t.id in enabled]
    return found


def enabled_among(plugin: str, tenant_ids: list[int]):
    """The ids among ``tenant_ids`` that have enabled ``plugin`` while one of their consortia
    offers it: :func:`samverka.plugins.services.enabled_plugins_query` for many tenants in
    one statement."""
    offered = (
        select(ConsortiumPlugin.id)
        .join(links, links.c.consortium_id == ConsortiumPlugin.consortium_id)
        .where(links.c.tenant_id == TenantPlugin.tenant_id, ConsortiumPlugin.plugin == plugin)
        .exists()
    )
    return select(TenantPlugin.tenant_id).where(
        TenantPlugin.tenant_id.in_(tenant_ids),
        TenantPlugin.plugin == plugin,
        TenantPlugin.enabled.is_(True),
        offered,
    )


@contextmanager
def consortium_read_scope(session, tenant, plugin: str) -> Iterator:
    """``with consortium_read_scope(session, tenant, plugin):`` the session (ORM and
    row-level security) also sees the rows of the members of ``tenant``'s consortia that have
    enabled ``plugin`` — for consortium aggregates and shared definitions, never for other
    tenants at large. Read-only, because a widened scope must not become a way to write
    another tenant's rows: pending changes are flushed on entry (in the caller's scope) and
    any flush inside raises :class:`ReadOnlyScopeError`. Nests; restores the scope on exit."""
    ids = [t.id for t in consortium_members(session, tenant, plugin)] or [tenant.id]
    with read_only_scope(session, ids):
        yield session


def published_series(session: Session, tenant: Tenant) -> list[PublishedSeries]:
    """Every series the core and the tenant's enabled modules publish for ``tenant``."""
    host = runtime().host
    hooks = host.hooks_for(enabled_plugins(session, host, tenant))
    return [
        series
        for found in hooks.publish_series(session=session, tenant=tenant)
        for series in found or ()
    ]
