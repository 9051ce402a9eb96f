"""Situation pictures (lägesbilder) join the platform through the hooks: pages, the
compile job, evidence of a current picture, start-page items."""

from __future__ import annotations

from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import OverviewKind
from samverka.workflows.pictures import services, web


@hookimpl
def register_blueprints() -> list:
    return [web.bp]


@hookimpl
def register_jobs() -> dict:
    return {"compile_picture": services.compile_picture_job}


@hookimpl
def compliance_evidence(session, tenant) -> list[dict]:
    return services.evidence(session, tenant)


@hookimpl
def cycle_overview_items(session, tenant, user) -> list[dict]:
    return services.overview_items(session, tenant, user)


@hookimpl
def register_overview_kinds() -> list[OverviewKind]:
    """Open rounds, late units, invitations to report."""
    return services.OVERVIEW_KINDS


@hookimpl
def cycle_calendar_entries(session, tenant, year) -> list[dict]:
    """The reporting rounds' period starts and deadlines."""
    return services.calendar_entries(session, tenant, year)
