"""The demo's plugins: every installed plugin offered to each demo consortium and enabled
for its municipalities (each municipality enables its own plugins; in the demo they all
have), then each plugin's own demo data through the hook ``seed_demo``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.db import TenantScope, scoped
from samverka.plugins import services as plugins
from samverka.plugins.host import PluginHost
from samverka.tenants.models import Consortium

MUNICIPALITY = "municipality"


def enable_everywhere(session: Session, host: PluginHost, consortium_slugs: list[str]) -> int:
    """Offer and enable what is not yet; returns how many enablements were new."""
    made = 0
    consortia = session.scalars(select(Consortium).where(Consortium.slug.in_(consortium_slugs)))
    for consortium in consortia:
        offered = plugins.consortium_plugins(session, consortium)
        for name in host.installed:
            if name not in offered:
                plugins.allow_plugin(session, host, name, consortium)
        for tenant in consortium.tenants:
            if tenant.kind != MUNICIPALITY:
                continue
            with scoped(session, TenantScope.for_tenant(tenant.id)):
                enabled = plugins.enabled_plugins(session, host, tenant)
                for name in host.installed:
                    if name not in enabled:
                        plugins.enable_plugin(session, host, tenant, name)
                        made += 1
    return made


def seed_plugin_data(session: Session, host: PluginHost) -> dict[str, int]:
    """Every installed plugin's ``seed_demo`` counts, merged."""
    created: dict[str, int] = {}
    for counts in host.hook.seed_demo(session=session):
        for key, value in (counts or {}).items():
            created[key] = created.get(key, 0) + int(value)
    return created
