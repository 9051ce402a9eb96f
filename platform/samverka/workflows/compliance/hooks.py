"""The compliance overview (the statutory duties and their evidence) joins the platform
through the hooks; its own evidence: the coordination function and the cooperation
agreement with the police."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from samverka.auth.hooks import ADMINS, TENANT_ROLES
from samverka.auth.permissions import Permission
from samverka.lifecycle.tables import export_tables
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import NavGroup, NavItem
from samverka.workflows.compliance import api, web
from samverka.workflows.compliance.services import ComplianceSettings, core_evidence


@hookimpl
def register_blueprints() -> list:
    return [web.bp]


@hookimpl
def register_api_blueprints() -> list:
    return [api.bp]


@hookimpl
def register_nav_items(tenant, user) -> list[NavItem]:
    return [
        NavItem(
            _l("Compliance"), "compliance_pages.show", "tenant:compliance:view", 55, NavGroup.WORK
        )
    ]


@hookimpl
def register_permissions() -> list[Permission]:
    return compliance_permissions()


@hookimpl
def compliance_evidence(session, tenant) -> list[dict]:
    return core_evidence(session, tenant)


def compliance_permissions() -> list[Permission]:
    """The compliance overview: every member reads it; the coordinator keeps the settings."""
    return [
        Permission(
            "tenant:compliance:view",
            "See the statutory duties and the evidence for them",
            (*TENANT_ROLES, *ADMINS),
        ),
        Permission(
            "tenant:compliance:manage",
            "Set the cycle length, decision body and coordination function",
            ("tenant_admin", "coordinator"),
        ),
    ]


@hookimpl
def export_tenant_data(session, tenant, archive) -> None:
    """``compliance/``: how the municipality runs the cycle."""
    export_tables(session, tenant, archive, "compliance", (ComplianceSettings,))
