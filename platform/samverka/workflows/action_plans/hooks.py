"""Action plans (åtgärdsplaner) join the platform through the hooks, as a plugin would:
pages, API, menu entry, evidence of the statutory duties, start-page items, archive rows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import NavGroup, NavItem, OverviewKind
from samverka.workflows.action_plans import api, overview, services, web
from samverka.workflows.action_plans.archive import export_cycle_rows


@hookimpl
def register_blueprints() -> list:
    return [web.bp]


@hookimpl
def register_api_blueprints() -> list:
    return [api.bp]


@hookimpl
def register_nav_items(tenant, user) -> list[NavItem]:
    return [
        NavItem(_l("Action plans"), "plan_pages.index", "tenant:records:read", 30, NavGroup.WORK)
    ]


@hookimpl
def compliance_evidence(session, tenant) -> list[dict]:
    """A decided action plan, council meetings held and follow-ups done."""
    return overview.evidence(session, tenant)


@hookimpl
def cycle_overview_items(session, tenant, user) -> list[dict]:
    """Red measures, measures due, upcoming meetings and the user's open assignments."""
    return overview.overview_items(session, tenant, user)


@hookimpl
def export_tenant_data(session, tenant, archive) -> None:
    """``cycle/``: action plans and councils."""
    export_cycle_rows(session, tenant, archive)


@hookimpl
def register_overview_kinds() -> list[OverviewKind]:
    """Red measures, measures due, upcoming meetings, assignments."""
    return overview.OVERVIEW_KINDS


@hookimpl
def cycle_calendar_entries(session, tenant, year) -> list[dict]:
    """Due dates of the tenant's own plans' measures."""
    return services.calendar_entries(session, tenant, year)
