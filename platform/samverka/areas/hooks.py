"""The register of areas joins the platform through the hooks: pages, API, the menu entry
(in the *work* group: areas are what the cycle's reports and pictures are broken down by,
and every member reads them), the permission to keep it, and the archive's ``areas/``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from samverka.areas import api, web
from samverka.areas.models import Area, AreaBoundary
from samverka.auth.permissions import Permission
from samverka.lifecycle.tables import export_tables
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import NavGroup, NavItem


@hookimpl
def register_blueprints() -> list:
    return [web.bp]


@hookimpl
def register_api_blueprints() -> list:
    return [api.bp]


@hookimpl
def register_nav_items(tenant, user) -> list[NavItem]:
    return [NavItem(_l("Areas"), "area_pages.index", "tenant:records:read", 25, NavGroup.WORK)]


@hookimpl
def register_permissions() -> list[Permission]:
    """Reading is ``tenant:records:read`` (every member); keeping the register is the
    coordinator's and the organisation administrator's."""
    return [
        Permission(
            "tenant:areas:manage",
            "Add, rename and archive areas and upload their borders",
            ("tenant_admin", "coordinator"),
        )
    ]


@hookimpl
def export_tenant_data(session, tenant, archive) -> None:
    """``areas/``: the areas and every version of their borders."""
    export_tables(session, tenant, archive, "areas", (Area, AreaBoundary))
