"""Helpers for the job tests: what a view does, and reading back what happened."""

from __future__ import annotations

from sqlalchemy import select

from samverka.db import TenantScope, scoped
from samverka.jobs.models import OutboxJob
from samverka.jobs.outbox import enqueue
from samverka_testplugin import Note


def notes(db, tenant) -> list[str]:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return list(db.scalars(select(Note.text).order_by(Note.id)))


def outbox_row(db, tenant, job_id) -> OutboxJob:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return db.get(OutboxJob, job_id)


def add_note(app, db, tenant, text: str, **kwargs) -> int:
    """What a view does: a write and its job in one transaction, then the commit."""
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant.id)):
        db.add(Note(text=f"cause of {text}"))
        job = enqueue(db, "testplugin.add_note", tenant_id=tenant.id, text=text, **kwargs)
        db.commit()
        return job.id
