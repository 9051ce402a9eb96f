"""Removing attachment files that no attachment row refers to (the daily job
``core.attachment_sweep``).

Files and rows normally live and die together (:mod:`samverka.records.storage` deletes a
rolled-back upload's file and a purged record's files after the commit). Only a crash can
part them: a process killed between storing a file and its commit, or between a commit and
the file's removal. Such an orphan would keep an attachment's bytes — possibly sensitive —
after the record is gone, so the sweep removes them. A file is a candidate only when it is
older than a day, far longer than any upload's transaction, so a file whose row is about to
be committed is never taken.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.db import TenantScope, scoped
from samverka.records.models import Attachment
from samverka.records.storage import LocalStorage, current_storage
from samverka.tenants.models import Tenant

GRACE = timedelta(days=1)
BATCH = 500
log = logging.getLogger(__name__)


def sweep_orphan_files(session: Session, now: datetime, store: LocalStorage | None = None) -> int:
    """Delete the stored files older than :data:`GRACE` that no attachment row (of any
    tenant) names, and stale temporary files; the number removed. Usable as a
    ``PeriodicJob`` function: it reads only storage keys, with every tenant in scope."""
    store = store or current_storage()
    candidates = list(store.files_older_than((now - GRACE).timestamp()))
    keys = [key for key, _path in candidates if key is not None]
    referenced = _referenced(session, keys)
    removed = 0
    for key, path in candidates:
        if key is None or key not in referenced:
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("removed %s orphaned attachment files", removed)
    return removed


def _referenced(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    tenant_ids = tuple(session.scalars(select(Tenant.id).order_by(Tenant.id)))
    found: set[str] = set()
    with scoped(session, TenantScope(tenant_ids)):
        for start in range(0, len(keys), BATCH):
            chunk = keys[start : start + BATCH]
            query = select(Attachment.storage_key).where(Attachment.storage_key.in_(chunk))
            found.update(session.scalars(query))
    return found
