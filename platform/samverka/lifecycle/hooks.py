"""A tenant's life cycle through the hooks: its whole archive (the job, and the core's part:
the tenant, its people and roles, settings without secrets, token metadata, SSO without its
secret, its audit chain, job history) and its deletion after the grace period."""

from __future__ import annotations

from datetime import timedelta

from samverka.lifecycle.core_data import export_core, release_core
from samverka.lifecycle.deletion import PERIODIC_JOB, delete_due_tenants
from samverka.lifecycle.export import tenant_archive
from samverka.plugins.hookspecs import hookimpl
from samverka.plugins.manifest import PeriodicJob


@hookimpl
def register_jobs() -> dict:
    return {"tenant_archive": tenant_archive}


@hookimpl
def register_periodic_jobs() -> list[PeriodicJob]:
    return [PeriodicJob(PERIODIC_JOB, timedelta(hours=1), delete_due_tenants)]


@hookimpl
def export_tenant_data(session, tenant, archive) -> None:
    export_core(session, tenant, archive)


@hookimpl
def before_tenant_delete(session, tenant) -> None:
    """The tenant's stored exports and what else the cascade would leave behind."""
    release_core(session, tenant)
