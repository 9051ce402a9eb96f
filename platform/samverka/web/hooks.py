"""The menu entries of the core's own pages (the start page, records, administration),
declared through the hook ``register_nav_items`` like a plugin's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import NavGroup, NavItem


@hookimpl
def register_nav_items(tenant, user) -> list[NavItem]:
    """The overview stands in the top row; records with the cycle's work; the
    organisation's administration under "admin"."""
    admin = NavGroup.ADMIN
    return [
        NavItem(_l("Overview"), "shell.tenant_home", "tenant:dashboard:view", 0, NavGroup.HOME),
        NavItem(_l("Records"), "record_pages.index", "tenant:records:read", 10, NavGroup.WORK),
        NavItem(_l("Members"), "tenant_admin.members", "tenant:members:view", 900, admin),
        NavItem(_l("Consortia"), "tenant_consortia.index", "tenant:consortia:manage", 905, admin),
        NavItem(
            _l("Module settings"), "tenant_admin.plugins_view", "tenant:plugins:view", 910, admin
        ),
        NavItem(_l("Single sign-on"), "sso.admin.settings", "tenant:identity:manage", 920, admin),
        NavItem(_l("API tokens"), "api_tokens.index", "tenant:api_tokens:own", 930, admin),
        NavItem(_l("Audit log"), "audit_review.index", "tenant:audit:view", 940, admin),
        NavItem(_l("Background jobs"), "jobs.index", "tenant:jobs:manage", 950, admin),
        NavItem(_l("Export all data"), "archive.index", "tenant:archive:export", 960, admin),
    ]
