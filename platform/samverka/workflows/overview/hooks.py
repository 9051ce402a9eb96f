"""The coordinator's start page joins the platform through the hooks: its page, its own
items (agreements about to expire, reviews and pledge follow-ups due) and the reminders."""

from __future__ import annotations

from datetime import timedelta

from samverka.lifecycle.tables import export_tables
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import OverviewKind, PeriodicJob
from samverka.workflows.overview import services, web


@hookimpl
def register_blueprints() -> list:
    return [web.bp]


@hookimpl
def cycle_overview_items(session, tenant, user) -> list[dict]:
    return services.core_overview_items(session, tenant, user)


@hookimpl
def register_periodic_jobs() -> list[PeriodicJob]:
    return [
        PeriodicJob(
            "core.cycle_reminders", timedelta(hours=6), services.send_reminders, per_tenant=True
        )
    ]


@hookimpl
def register_overview_kinds() -> list[OverviewKind]:
    """Agreements about to expire, reviews and pledge follow-ups due."""
    return services.OVERVIEW_KINDS


@hookimpl
def export_tenant_data(session, tenant, archive) -> None:
    """``overview/``: the reminders sent (what the reminder job remembers)."""
    export_tables(session, tenant, archive, "overview", (services.CycleReminder,))
