"""The core as a plugin's tests arrange and inspect it.

A plugin's code imports the core only through :mod:`samverka.toolkit`; its tests import only
the toolkit and :mod:`samverka.testing` (an import-linter contract and
``tests/test_plugin_contracts.py`` check both). A test still has to put core data in place
(a tenant, an action plan with a measure, a reporting round) and look at what the core made
of the plugin's hook answers (a plan's measures, a situation picture's sections, the audit
trail). These names are that test surface: when the core moves a module, it changes the
import here, and no plugin's tests break.

Everything here runs as the test's own session does: wrap writes to tenant-owned data in
:func:`in_tenant` (or the ``acting`` fixture) and commit as the test needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.audit.models import AuditEntry
from samverka.auth.tokens import issue_token
from samverka.bootstrap import cli
from samverka.config import Settings
from samverka.db import TenantScope, scoped
from samverka.jobs.models import OutboxJob
from samverka.jobs.queue import connect
from samverka.lifecycle.deletion import delete_tenant
from samverka.plugins import services as plugin_services
from samverka.records.services import create_record, get_record, share_record
from samverka.tenancy.services import create_tenant
from samverka.tenants.models import Tenant
from samverka.workflows.action_plans.services import add_cause, add_measure, plan_records, plan_view
from samverka.workflows.pictures.services import plugin_sections, table_lines
from samverka.workflows.rounds.models import RoundUnit
from samverka.workflows.rounds.services import (
    EST_CATEGORIES,
    add_unit,
    ensure_default_units,
    open_round,
    submit_report,
)

__all__ = [
    "EST_CATEGORIES",
    "add_unit",
    "api_token",
    "audit_entries",
    "create_record",
    "create_tenant",
    "delete_tenant",
    "disable_plugin",
    "ensure_default_units",
    "get_record",
    "in_tenant",
    "open_round",
    "outbox_job",
    "plan_measure",
    "plan_records",
    "plan_view",
    "plugin_sections",
    "redis_connection",
    "round_unit",
    "run_cli",
    "set_plugin_config",
    "share_record",
    "submit_report",
    "table_lines",
    "tenants_by_slug",
]


@contextmanager
def in_tenant(session: Session, tenant: Any, user: Any = None) -> Iterator[Session]:
    """``session`` scoped to ``tenant`` (as ``user``), as a request in that tenant is: row
    filters and, on PostgreSQL, row-level security see only that tenant's rows."""
    with scoped(session, TenantScope.for_tenant(tenant.id, getattr(user, "id", None))):
        yield session


# --- tenants and plugins --------------------------------------------------------------------


def tenants_by_slug(session: Session) -> dict[str, Tenant]:
    """Every tenant on the platform by slug (e.g. after ``run_cli(app, "seed-demo")``)."""
    return {t.slug: t for t in session.scalars(select(Tenant))}


def set_plugin_config(app: Flask, session: Session, tenant: Any, name: str, config: dict) -> None:
    """Enable plugin ``name`` for ``tenant`` with ``config`` (validated as a tenant admin's
    form would be) and commit."""
    with in_tenant(session, tenant):
        plugin_services.enable_plugin(session, _host(app), tenant, name, config)
        session.commit()


def disable_plugin(app: Flask, session: Session, tenant: Any, name: str) -> None:
    """Disable plugin ``name`` for ``tenant`` (the caller commits)."""
    with in_tenant(session, tenant):
        plugin_services.disable_plugin(session, _host(app), tenant, name)


def _host(app: Flask) -> Any:
    return app.extensions["samverka"].host


# --- the statutory cycle --------------------------------------------------------------------


def plan_measure(
    session: Session, tenant: Any, user: Any, title: str = "Fler trygghetsvandringar"
) -> tuple[int, int]:
    """(plan id, measure id): a measure under one cause in a new action plan of ``tenant``'s,
    written by ``user`` and committed. Needs an app context."""
    with in_tenant(session, tenant, user):
        plan = create_record(
            session,
            record_type="core.action_plan",
            title="Åtgärdsplan 2026",
            data={"title": "Åtgärdsplan 2026", "valid_from": "2026-01-01"},
            user=user,
        )
        cause = add_cause(session, plan, description="Otrygghet", user=user)
        measure = add_measure(
            session, plan, cause_id=cause.id, user=user, title=title, due_on="2026-12-31"
        )
        session.commit()
        return plan.id, measure.id


def round_unit(session: Session, round_id: int, unit_name: str) -> RoundUnit | None:
    """A reporting round's unit by name (what :func:`submit_report` reports for)."""
    return session.scalar(
        select(RoundUnit).where(RoundUnit.round_id == round_id, RoundUnit.unit_name == unit_name)
    )


# --- API, jobs, audit, CLI ------------------------------------------------------------------


def api_token(session: Session, user: Any, tenant: Any, name: str = "test") -> str:
    """A committed API token of ``user`` in ``tenant``: the raw bearer value."""
    with in_tenant(session, tenant):
        issued = issue_token(session, user, tenant, name=name)
    session.commit()
    return issued.raw


def outbox_job(session: Session, job_id: str) -> OutboxJob | None:
    """A queued job's outbox row (``status``, ``error_message``, ``progress``…); read it
    in the job's tenant."""
    return session.get(OutboxJob, job_id)


def redis_connection(settings: Settings) -> Redis:
    """The job queue's Redis (this xdist worker's own database in tests)."""
    return connect(settings)


def audit_entries(session: Session, action: str) -> list[AuditEntry]:
    """The audit trail's entries for ``action`` (those the session's scope may read),
    oldest first."""
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def run_cli(app: Flask, *args: str, input: str | None = None) -> Result:
    """Run ``samverka <args>`` against ``app`` as an operator would; fails the test unless
    the command exits 0."""
    result = CliRunner().invoke(
        cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input
    )
    assert result.exit_code == 0, result.output
    return result
