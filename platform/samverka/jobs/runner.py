"""What an RQ worker executes: re-create the app, re-establish the tenant, re-check the plugin.

The worker process builds one app (cached) and runs each job in its own app context and
database transaction, scoped to the job's tenant. A job for a plugin that the tenant has
disabled since it was queued is skipped, not run.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from rq import get_current_job

from samverka.db import TenantScope, set_scope
from samverka.jobs.queue import REQUEST_ID_META, job_functions
from samverka.logs import bind, log_context
from samverka.plugins.services import enabled_plugins
from samverka.runtime import db_session, runtime
from samverka.tenants.models import Tenant

log = logging.getLogger(__name__)
_app: Flask | None = None


def worker_app() -> Flask:
    global _app
    if _app is None:
        from samverka.app import create_app

        _app = create_app()
    return _app


def use_app(app: Flask) -> None:
    """Let an in-process worker (tests, the demo) run jobs against a given app."""
    global _app
    _app = app


def run(job: str, tenant_id: int, kwargs: dict[str, Any]) -> Any:
    with log_context(request_id=_queued_request_id(), job=job), worker_app().app_context():
        return _run(job, tenant_id, kwargs)


def _queued_request_id() -> str | None:
    """The request id stored in the job's meta by ``enqueue`` (None outside a worker)."""
    current = get_current_job()
    return (current.meta or {}).get(REQUEST_ID_META) if current is not None else None


def _run(job: str, tenant_id: int, kwargs: dict[str, Any]) -> Any:
    session = db_session()
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        log.warning("job %s skipped: tenant %s no longer exists", job, tenant_id)
        return None
    set_scope(session, TenantScope.for_tenant(tenant.id))
    plugin, func = job_functions(runtime().host)[job]
    bind(tenant=tenant.slug)
    if plugin != "core" and plugin not in enabled_plugins(session, runtime().host, tenant):
        log.info("job %s skipped: %s is not enabled for tenant %s", job, plugin, tenant.slug)
        return None
    log.info("job %s started for tenant %s", job, tenant.slug)
    result = func(tenant_id=tenant.id, **kwargs)
    session.commit()
    return result
