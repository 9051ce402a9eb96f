"""Purging records for good: deleted longer than the restore window, or past their type's
retention. Runs daily as the periodic job ``core.record_retention`` (and ``samverka record
purge-expired``).

A purge is a hard delete of the record with its versions, shares and attachment rows
(foreign keys cascade), its search entry and its stored files (deleted after the commit).
Each purge is audited as ``record.purge`` in the owner's chain, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from samverka.audit.events import record_event
from samverka.db import TenantScope, get_scope, scoped
from samverka.records import search, storage
from samverka.records.models import Attachment, Record
from samverka.runtime import runtime
from samverka.tenants.models import Tenant


@dataclass(frozen=True)
class PurgeResult:
    record_id: int
    tenant_id: int
    reason: str  # deleted | retention


def _settings():

    return runtime()


def expired(session: Session, now: datetime) -> list[tuple[Record, str]]:
    """Records due for purging in the session's scope, with the reason."""
    rt = _settings()
    window = timedelta(days=rt.settings.record_restore_days)
    found: list[tuple[Record, str]] = []
    deleted = select(Record).where(Record.deleted_at.is_not(None), Record.deleted_at < now - window)
    found += [(r, "deleted") for r in session.scalars(deleted)]
    seen = {r.id for r, _ in found}
    for kind in rt.record_types:
        if kind.retention is None:
            continue
        old = select(Record).where(
            Record.type_name == kind.name, Record.created_at < now - kind.retention
        )
        found += [(r, "retention") for r in session.scalars(old) if r.id not in seen]
    return found


def purge_expired(session: Session, now: datetime) -> list[PurgeResult]:
    """Purge every tenant's expired records (each tenant in its own scope, so that the
    owner-only rules hold); usable as a ``PeriodicJob`` function. The caller commits."""
    results: list[PurgeResult] = []
    tenant_ids = list(session.scalars(select(Tenant.id).order_by(Tenant.id)))
    for tenant_id in tenant_ids:
        with scoped(session, TenantScope.for_tenant(tenant_id)):
            results += purge_in_scope(session, now)
    return results


def purge_in_scope(session: Session, now: datetime) -> list[PurgeResult]:
    results = []
    store = storage.current_storage()
    for record, reason in expired(session, now):
        if record.tenant_id not in _scope_ids(session):
            continue  # shared into this scope, not owned: its owner's run purges it
        results.append(purge_record(session, record, reason, store))
    return results


def _scope_ids(session: Session) -> tuple[int, ...]:

    return get_scope(session).tenant_ids


def purge_record(session: Session, record: Record, reason: str, store=None) -> PurgeResult:
    store = store or storage.current_storage()
    keys = session.scalars(
        select(Attachment.storage_key).where(Attachment.record_id == record.id)
    ).all()
    result = PurgeResult(record.id, record.tenant_id, reason)
    record_event(
        session,
        "record.purge",
        tenant_id=record.tenant_id,
        target_type="record",
        target_id=record.id,
        details={"type": record.type_name, "reason": reason, "attachments": len(keys)},
    )
    search.unindex_record(session, record.id)
    session.execute(
        delete(Record).where(Record.id == record.id, Record.tenant_id == record.tenant_id),
        execution_options={"synchronize_session": False},
    )
    session.expunge(record)
    for key in keys:
        storage.delete_after_commit(session, store, key)
    return result
