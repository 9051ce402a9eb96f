"""The transactional outbox: queue a job in the caller's transaction, hand it to RQ after.

``enqueue(session, job, tenant_id=…)`` only adds a row to ``job_outbox`` in the caller's
session, so the job exists exactly when the data that caused it was committed: a rollback
sends nothing. After the commit an ``after_commit`` hook hands the job to RQ at once (no
further database work in the request); the scheduler's periodic dispatcher
(:func:`dispatch_due`) then marks it dispatched, and hands over whatever the hook missed (the
process died between commit and dispatch, Redis was down), so nothing is lost.

Dispatch is idempotent: the RQ job id is derived from the outbox row and the attempt
(``outbox-<id>-<nonce>-<attempt>``) and queued with RQ's ``unique=True``, so dispatching the
same attempt twice queues it once; a row is marked dispatched only after RQ accepted it.

Row-level security: the dispatcher is platform code acting for every tenant. It does not
bypass RLS; it sets an explicit all-tenants scope (:func:`platform_scope`: every tenant id,
read from ``tenants``, plus the platform's own id 0 for jobs without a tenant), the same thing
the operator's CLI does when it acts platform-wide, so the database still checks every row it
touches against a scope the code chose on purpose. A tenant's scope never sees platform jobs
(:class:`samverka.db.TenantOrPlatformOwned`).
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import has_app_context
from flask_babel import lazy_gettext as _l
from rq import Queue
from rq.exceptions import DuplicateJobError
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from samverka import clock
from samverka.db import (
    PLATFORM_SCOPE_ID,
    SCOPE_FREE,
    TenantScope,
    TenantScopeError,
    get_scope,
    set_scope,
)
from samverka.db import platform_scope as with_platform
from samverka.errors import NotFound, ValidationError
from samverka.jobs.models import DISPATCHED, FAILED, PENDING, RUNNING, OutboxJob, rq_job_id
from samverka.jobs.queue import (
    REQUEST_ID_META,
    get_queue,
    job_functions,
    redis_url,
    shared_connection,
)
from samverka.logs import current_request_id
from samverka.plugins.services import enabled_plugins
from samverka.runtime import runtime
from samverka.tenants.models import Tenant

log = logging.getLogger(__name__)
PENDING_KEY = "samverka.outbox_pending"
RUNNER = "samverka.jobs.runner.run_outbox"
BATCH = 500
RESULT_TTL = 3600  # seconds RQ keeps a finished job (and so refuses a duplicate of it)
BACKLOG_KEY = "samverka:outbox:backlog"  # "<count> <unix time>", for /metrics
# After a failed dispatch, requests leave the next seconds' jobs to the dispatcher instead of
# each waiting for an unreachable Redis (per Redis URL, per process).
BACKOFF_SECONDS = 5.0
_redis_down_until: dict[str, float] = {}


def enqueue(
    session: Session,
    job: str,
    *,
    tenant_id: int | None,
    idempotency_key: str | None = None,
    max_attempts: int | None = None,
    **kwargs: Any,
) -> OutboxJob:
    """Queue ``job`` for a tenant (None: platform work) in the session's transaction.

    A plugin's job is refused (NotFound) in a tenant that has not enabled the plugin. With an
    ``idempotency_key`` the tenant's existing job of that key is returned instead of a new
    one. The session must be scoped to ``tenant_id`` (the row is tenant-owned); a platform
    job (``tenant_id=None``) needs a scope that includes the platform
    (:func:`samverka.db.platform_scope`), so no tenant's request queues one by accident."""

    rt = runtime()
    if tenant_id is None and PLATFORM_SCOPE_ID not in get_scope(session).tenant_ids:
        raise TenantScopeError("a platform job needs a scope that includes the platform")
    check_job(session, job, tenant_id)
    if idempotency_key is not None:
        existing = session.scalar(
            select(OutboxJob).where(
                OutboxJob.tenant_id == tenant_id, OutboxJob.idempotency_key == idempotency_key
            )
        )
        if existing is not None:
            return existing
    row = OutboxJob(
        tenant_id=tenant_id,
        job=job,
        arguments=json.dumps(kwargs),
        idempotency_key=idempotency_key,
        status=PENDING,
        attempts=0,
        max_attempts=max_attempts or rt.settings.job_max_attempts,
        available_at=clock.now(),
        request_id=current_request_id(),
    )
    session.add(row)
    session.flush()
    dispatch_after_commit(session, row)
    return row


def check_job(session: Session, job: str, tenant_id: int | None) -> None:
    """A job must be registered; a plugin's needs a tenant that has the plugin enabled."""

    host = runtime().host
    known = job_functions(host)
    if job not in known:
        raise NotFound(_l("No job called %(job)s for this organisation.", job=job))
    plugin = known[job][0]
    if plugin == "core":
        return
    tenant = session.get(Tenant, tenant_id) if tenant_id is not None else None
    if tenant is None or plugin not in enabled_plugins(session, host, tenant):
        raise NotFound(_l("No job called %(job)s for this organisation.", job=job))


def retry(session: Session, row: OutboxJob) -> None:
    """A failed job gets one more attempt, through the outbox like any other."""
    if row.status != FAILED:
        raise ValidationError(_l("Only a failed job can be tried again."))
    row.status = PENDING
    row.max_attempts = row.attempts + 1
    row.available_at = clock.now()
    row.finished_at = None
    row.lease_until = None
    session.flush()
    dispatch_after_commit(session, row)


# --- after the commit ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """What dispatching needs of a row, kept from its insert: the after-commit dispatch then
    needs no database round trip."""

    id: int
    tenant_id: int | None
    nonce: str
    attempts: int
    request_id: str | None


def dispatch_after_commit(session: Session, row: OutboxJob) -> None:
    pending = Pending(row.id, row.tenant_id, row.nonce, row.attempts, row.request_id)
    session.info.setdefault(PENDING_KEY, []).append(pending)
    if not event.contains(session, "after_commit", _after_commit):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)  # rolled back: those rows never existed


def _after_commit(session: Session) -> None:
    """Hand the rows to RQ at once, without touching the database again: the request pays one
    Redis round trip per job. The dispatcher marks them ``dispatched`` at its next pass (RQ
    refuses its second copy of the same attempt), or the worker marks them ``running``
    first. Any failure leaves them pending for the dispatcher: nothing is lost."""
    pending = session.info.pop(PENDING_KEY, None)
    if not pending or not has_app_context():
        return

    rt = runtime()
    url = redis_url(rt.settings)
    if time.monotonic() < _redis_down_until.get(url, 0.0):
        return  # Redis failed a moment ago: the dispatcher will hand these over
    try:
        queue = get_queue(shared_connection(rt.settings))
        for row in pending:
            _queue(queue, row, row.attempts + 1, rt.settings.job_lease_seconds)
    except Exception as error:  # Redis down, ...: the dispatcher retries, nothing is lost
        _redis_down_until[url] = time.monotonic() + BACKOFF_SECONDS
        log.warning("outbox: dispatch after commit postponed: %s", type(error).__name__)


# --- the dispatcher -------------------------------------------------------------------------


def platform_scope(session: Session) -> TenantScope:
    """Every tenant and the platform, chosen explicitly: the platform's own work across
    tenants (the dispatcher, the runner's platform jobs, platform administrators' pages)."""

    ids = session.scalars(select(Tenant.id).order_by(Tenant.id).execution_options(**SCOPE_FREE))
    return with_platform(tuple(ids))


def dispatch_due(session: Session, queue: Queue, now: datetime | None = None) -> int:
    """Reclaim abandoned jobs, then dispatch every pending row that is due; returns how many
    were handed to RQ. The session must carry :func:`platform_scope`."""

    now = now or clock.now()
    reclaim_abandoned(session, now)
    total = 0
    while True:
        rows = session.scalars(
            select(OutboxJob)
            .where(OutboxJob.status == PENDING, OutboxJob.available_at <= now)
            .order_by(OutboxJob.id)
            .limit(BATCH)
        ).all()
        if rows:
            total += dispatch_rows(session, queue, rows, runtime().settings.job_lease_seconds)
        if len(rows) < BATCH:
            break
    publish_backlog(session, queue.connection)
    return total


def publish_backlog(session: Session, connection) -> None:
    """The metrics read the backlog from Redis at scrape time (no database connection
    there); the time lets an alert tell a stale figure (no scheduler) from a fresh one."""
    connection.set(BACKLOG_KEY, f"{backlog(session)} {time.time():.0f}")


def dispatch_rows(
    session: Session, queue: Queue, rows: Iterable[OutboxJob | Pending], lease: int | None = None
) -> int:
    """Hand rows to RQ; they are marked dispatched only after RQ accepted them (one UPDATE
    per attempt number, which is almost always one UPDATE), then committed."""
    if lease is None:
        lease = runtime().settings.job_lease_seconds
    accepted: dict[int, list[int]] = defaultdict(list)  # attempts so far -> ids
    for row in rows:
        _queue(queue, row, row.attempts + 1, lease)
        accepted[row.attempts].append(row.id)
    count = 0
    for attempts, ids in accepted.items():
        marked = session.execute(
            update(OutboxJob)
            .where(
                OutboxJob.id.in_(ids),
                OutboxJob.status == PENDING,
                OutboxJob.attempts == attempts,
            )
            .values(
                status=DISPATCHED,
                attempts=attempts + 1,
                lease_until=clock.now() + timedelta(seconds=lease),
            )
            .execution_options(synchronize_session=False)
        )
        count += marked.rowcount
    session.commit()
    return count


def _queue(queue: Queue, row: OutboxJob | Pending, attempt: int, lease: int) -> None:
    # DuplicateJobError: an earlier dispatch of this very attempt was accepted (never twice).
    with suppress(DuplicateJobError):
        queue.enqueue_call(
            RUNNER,
            args=(row.id, row.tenant_id, attempt),
            job_id=rq_job_id(row.id, row.nonce, attempt),
            unique=True,
            timeout=lease,
            result_ttl=RESULT_TTL,
            failure_ttl=RESULT_TTL,
            meta={REQUEST_ID_META: row.request_id} if row.request_id else {},
        )


def reclaim_abandoned(session: Session, now: datetime) -> None:
    """Dispatched or running jobs whose lease ran out (their worker died, or Redis lost them)
    get a new attempt; without attempts left they fail as abandoned."""
    expired = session.scalars(
        select(OutboxJob).where(
            OutboxJob.status.in_((DISPATCHED, RUNNING)), OutboxJob.lease_until < now
        )
    ).all()
    for row in expired:
        log.warning("outbox: job %s (%s) abandoned after attempt %s", row.id, row.job, row.attempts)
        if row.attempts >= row.max_attempts:
            row.status, row.finished_at = FAILED, now
            row.error_class = "AbandonedJob"
            row.error_message = "No worker finished the job within its lease."
        else:
            row.status, row.available_at = PENDING, now
        row.lease_until = None
    session.commit()


def backlog(session: Session) -> int:
    """Jobs not yet finished (pending, dispatched or running), every tenant in scope."""
    from sqlalchemy import func

    return session.scalar(
        select(func.count())
        .select_from(OutboxJob)
        .where(OutboxJob.status.in_((PENDING, DISPATCHED, RUNNING)))
    )


def dispatch_now(app) -> int:
    """Dispatch everything due, once (tests, the bench, ``samverka jobs dispatch``)."""

    with app.app_context(), runtime().sessions() as session:
        set_scope(session, platform_scope(session))
        return dispatch_due(session, get_queue(shared_connection(runtime().settings)))
