"""The transactional outbox: one row per background job, written in the caller's transaction.

The row is the job's source of truth across processes: whether it has been handed to RQ
(``dispatched``), is running (with a lease the runner renews), is done (written in the same
transaction as the job's own effects, so a job never has its effect twice), or has failed
after its last attempt. Progress lives here too, so any web process can show it.

``tenant_id`` is NULL for platform jobs (e.g. a password-reset mail to a user who belongs to
no organisation). The table follows the tenant-or-platform rule
(:class:`samverka.db.TenantOrPlatformOwned`, in the ORM and in row-level security): a tenant's
scope sees only its own jobs, platform jobs only a scope that includes the platform
(:data:`samverka.db.PLATFORM_SCOPE_ID`). Arguments are encrypted at rest because a mail job
carries a reset link.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from samverka.clock import utcnow
from samverka.db import Base, TenantOrPlatformOwned
from samverka.security.crypto import EncryptedText

PENDING, DISPATCHED, RUNNING, DONE, FAILED = "pending", "dispatched", "running", "done", "failed"
OPEN_STATES = (PENDING, DISPATCHED, RUNNING)


class OutboxJob(TenantOrPlatformOwned, Base):
    __tablename__ = "job_outbox"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key", name="uq_job_outbox_tenant_key"),
        Index("ix_job_outbox_status_available", "status", "available_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=True
    )
    job: Mapped[str] = mapped_column(String(120))
    # Part of the RQ job id: row ids may be reused (SQLite), a dispatch must never match an
    # older row's job still remembered by Redis.
    nonce: Mapped[str] = mapped_column(String(32), default=lambda: uuid.uuid4().hex)
    arguments: Mapped[str] = mapped_column(EncryptedText())  # JSON of the keyword arguments
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # dispatches so far
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error_class: Mapped[str | None] = mapped_column(String(100), nullable=True)
    error_message: Mapped[str | None] = mapped_column(String(300), nullable=True)
    progress_done: Mapped[int | None] = mapped_column(Integer, nullable=True)
    progress_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    progress_message: Mapped[str | None] = mapped_column(String(100), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def rq_job_id(outbox_id: int, nonce: str, attempt: int) -> str:
    """The RQ id of one attempt: dispatching the same attempt twice queues it once."""
    return f"outbox-{outbox_id}-{nonce}-{attempt}"
