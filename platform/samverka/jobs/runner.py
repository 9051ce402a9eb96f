"""What an RQ worker executes: re-create the app, re-establish the tenant, re-check the plugin.

The worker process builds one app (cached) and runs each job in its own app context and
database transaction, scoped to the job's tenant. A job for a plugin that the tenant has
disabled since it was queued is skipped, not run.

Outbox jobs (:func:`run_outbox`) commit their effects together with their row's ``done``, so a
second run (a duplicate dispatch, a dead worker's job run again) has no effect; failures are
retried with exponential backoff, then marked failed; :func:`report_progress` stores progress
on the row for the web.
"""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from rq import get_current_job
from sqlalchemy import update
from sqlalchemy.orm import Session

from samverka import clock
from samverka.db import TenantScope, platform_scope, set_scope
from samverka.errors import SamverkaError
from samverka.jobs.models import DONE, FAILED, PENDING, RUNNING, OutboxJob
from samverka.jobs.queue import REQUEST_ID_META, job_functions
from samverka.logs import bind, job_finished, log_context
from samverka.plugins.services import enabled_plugins
from samverka.runtime import db_session, runtime
from samverka.tenants.models import Tenant

log = logging.getLogger(__name__)
_app: Flask | None = None


def worker_app() -> Flask:
    """The app jobs run in: handed over by whatever started the worker (``samverka
    worker`` is a command of the app's CLI; tests and the demo hand theirs over too), never
    built here, so the jobs layer does not depend on the composition root."""
    if _app is None:
        raise RuntimeError("no app for the jobs: start workers with `samverka worker`")
    return _app


def use_app(app: Flask | None) -> None:
    """The app the worker of this process runs jobs against (``None``: none)."""
    global _app
    _app = app


def run(job: str, tenant_id: int, kwargs: dict[str, Any]) -> Any:
    started = time.perf_counter()
    with log_context(request_id=_queued_request_id(), job=job), worker_app().app_context():
        result = _run(job, tenant_id, kwargs)
        job_finished(log, "done", time.perf_counter() - started, tenant_id)
        return result


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
    log.debug("job %s started for tenant %s", job, tenant.slug)
    result = func(tenant_id=tenant.id, **kwargs)
    session.commit()
    return result


# --- jobs from the outbox: exactly one effect ---------------------------------------------


@dataclass(frozen=True)
class RunningJob:
    """The outbox job the current code runs in: its row id and ``nonce`` name it for good
    (every attempt, every retry), so a job can key its own effects on them."""

    outbox_id: int
    tenant_id: int | None
    nonce: str = ""


_current: ContextVar[RunningJob | None] = ContextVar("samverka_outbox_job", default=None)


def current_job() -> RunningJob | None:
    """The outbox job being run here (None outside one, e.g. inline in a request)."""
    return _current.get()


def run_outbox(outbox_id: int, tenant_id: int | None, attempt: int) -> str:
    """Run one attempt of an outbox job (what RQ calls); returns what happened."""
    started = time.perf_counter()
    with log_context(request_id=_queued_request_id()), worker_app().app_context():
        outcome = _run_outbox(db_session(), outbox_id, tenant_id, attempt)
        job_finished(log, outcome, time.perf_counter() - started, tenant_id)
        return outcome


def _run_outbox(session: Session, outbox_id: int, tenant_id: int | None, attempt: int) -> str:
    """The job's effects and its completion mark commit together; a run that finds the mark
    already there (a duplicate, or a second worker) changes nothing."""
    set_scope(session, job_scope(tenant_id))
    row = session.get(OutboxJob, outbox_id)
    bind(job=row.job if row is not None else None)  # for the job's one line (samverka.logs)
    if row is None or row.status in (DONE, FAILED):
        session.rollback()
        return "skipped"
    name, kwargs, nonce = row.job, json.loads(row.arguments), row.nonce
    bind(job=name)
    _mark_running(session, row, attempt)
    token = _current.set(RunningJob(outbox_id, tenant_id, nonce))
    try:
        _execute(session, name, tenant_id, kwargs)
        return _complete(session, outbox_id)
    except Exception as error:  # the job's own failure: retried with backoff, then failed
        session.rollback()
        bind(error=type(error).__name__)  # for the job's one line (samverka.logs)
        return _record_failure(session, outbox_id, error)
    finally:
        _current.reset(token)


def job_scope(tenant_id: int | None) -> TenantScope:
    """A tenant's job runs in that tenant's scope; a platform job (no tenant) in the
    platform's own scope, which sees platform rows and no tenant's."""
    return TenantScope.for_tenant(tenant_id) if tenant_id is not None else platform_scope()


def _mark_running(session: Session, row: OutboxJob, attempt: int) -> None:
    row.status = RUNNING
    row.attempts = max(row.attempts, attempt)
    row.lease_until = clock.now() + timedelta(seconds=runtime().settings.job_lease_seconds)
    session.commit()


def _execute(session: Session, name: str, tenant_id: int | None, kwargs: dict[str, Any]) -> None:
    functions = job_functions(runtime().host)
    if name not in functions:
        raise LookupError("the job is no longer installed")
    plugin, func = functions[name]
    if tenant_id is not None:
        tenant = session.get(Tenant, tenant_id)
        bind(tenant=tenant.slug)
        if plugin != "core" and plugin not in enabled_plugins(session, runtime().host, tenant):
            log.info("job %s skipped: %s is not enabled for tenant %s", name, plugin, tenant.slug)
            return
    log.debug("job %s started", name)
    func(tenant_id=tenant_id, **kwargs)


def _complete(session: Session, outbox_id: int) -> str:
    done = session.execute(
        update(OutboxJob)
        .where(OutboxJob.id == outbox_id, OutboxJob.status != DONE)
        .values(status=DONE, finished_at=clock.now(), lease_until=None)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 0:  # another run finished first: its effect stands, ours goes
        session.rollback()
        return "duplicate"
    session.commit()
    return "done"


def _record_failure(session: Session, outbox_id: int, error: Exception) -> str:
    """Another attempt after ``job_retry_seconds * 2**(n-1)``, or failed for good. Only the
    error's class and a short message the platform wrote itself are kept (no personal data)."""
    row = session.get(OutboxJob, outbox_id)
    if row is None:
        return "skipped"
    now = clock.now()
    row.error_class = type(error).__name__[:100]
    row.error_message = safe_message(error)
    row.lease_until = None
    if row.attempts >= row.max_attempts:
        row.status, row.finished_at = FAILED, now
    else:
        delay = runtime().settings.job_retry_seconds * 2 ** max(row.attempts - 1, 0)
        row.status, row.available_at = PENDING, now + timedelta(seconds=delay)
    session.commit()
    return row.status


def safe_message(error: Exception) -> str:
    """The platform's own error texts are safe to show; anything else may carry data."""
    if isinstance(error, SamverkaError):
        return str(error)[:300]
    return "Unexpected error: see the worker's log for this job."


def report_progress(done: int, total: int, message_id: str = "") -> None:
    """From inside a running outbox job: store how far it is (readable by every web
    process) and renew its lease. ``message_id`` is a msgid the page translates.

    Written in a transaction of its own so the page sees it while the job's own work is
    still uncommitted. (On SQLite call it before the job's first write of a transaction.)"""
    running = _current.get()
    if running is None:
        return
    scope = job_scope(running.tenant_id)
    lease = timedelta(seconds=runtime().settings.job_lease_seconds)
    with runtime().sessions() as session:
        set_scope(session, scope)
        session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == running.outbox_id, OutboxJob.status == RUNNING)
            .values(
                progress_done=done,
                progress_total=total,
                progress_message=message_id[:100] or None,
                lease_until=clock.now() + lease,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
