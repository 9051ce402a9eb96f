"""Reporting rounds join the platform through the hooks: pages, API, menu entry,
permissions, reminders, the reports-per-category series and the archive's ``rounds/``."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from samverka.auth.hooks import TENANT_ROLES
from samverka.auth.permissions import Permission
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import NavGroup, NavItem, PeriodicJob, PublishedSeries
from samverka.workflows.rounds import api, web
from samverka.workflows.rounds.series import round_series
from samverka.workflows.rounds.services import export_rounds, send_reminders


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
            _l("Reporting rounds"), "round_pages.index", "tenant:rounds:view", 20, NavGroup.WORK
        )
    ]


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(
            "tenant:rounds:manage",
            "Open, close and compile reporting rounds; configure reporting units",
            ("tenant_admin", "coordinator"),
        ),
        Permission(
            "tenant:rounds:report",
            "Fill in the organisation's reports in reporting rounds",
            ("tenant_admin", "coordinator", "contributor"),
        ),
        Permission("tenant:rounds:view", "See reporting rounds", TENANT_ROLES),
    ]


@hookimpl
def register_periodic_jobs() -> list[PeriodicJob]:
    """Reminders before a round's deadline and to late units (once per unit and kind)."""
    return [PeriodicJob("core.round_reminders", timedelta(hours=1), send_reminders, True)]


@hookimpl
def publish_series(session, tenant) -> list[PublishedSeries]:
    """Reports per category of the tenant's own rounds, per month and year
    (:mod:`samverka.workflows.rounds.series` says why these periods)."""
    return round_series(session, tenant)


@hookimpl
def export_tenant_data(session, tenant, archive) -> None:
    """``rounds/``: units, rounds, reports."""
    export_rounds(session, tenant, archive)
