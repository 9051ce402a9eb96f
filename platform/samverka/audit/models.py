"""The audit tables: append-only entries in hash chains, the chains' heads, sample reviews.

``audit_entries`` has a nullable ``tenant_id`` (platform-level events: a failed log-in for an
unknown address, a platform administrator's work) and no foreign keys: an audit trail must
outlive the users and tenants it names, and deleting a tenant must not delete its trail.
Its PostgreSQL policies are its own (see :mod:`samverka.rls`): anyone may append, reading needs
the tenant in scope (platform entries: :data:`PLATFORM_SCOPE_ID` in scope), nobody updates,
and only the purge function deletes, and only entries past the legal minimum retention.

``audit_chain_heads`` carries no ``tenant_id`` on purpose: it holds counters and hashes, no
personal data, and every transaction must be able to lock the head of the chain it appends to,
whatever its scope.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from samverka.db import PLATFORM_SCOPE_ID, Base, TenantOrPlatformOwned, TenantOwned, Timestamped

__all__ = ["PLATFORM_SCOPE_ID", "AuditChainHead", "AuditEntry", "AuditReview"]
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY = rowid


class AuditEntry(TenantOrPlatformOwned, Base):
    """One event: who did what to which target, where, when and with what outcome.

    Read like every tenant-or-platform row (:class:`samverka.db.TenantOrPlatformOwned`: the
    platform's entries only with :data:`PLATFORM_SCOPE_ID` in scope), but appended from any
    scope (``append_from_any_scope``), as its RLS policy allows.

    ``hash`` is SHA-256 over the canonical serialisation of the fields and ``prev_hash`` (the
    previous entry of the same chain), see :mod:`samverka.audit.chain`. Inserted without
    RETURNING (``implicit_returning=False``): PostgreSQL would otherwise demand that the
    inserting scope may also *read* the row, which a tenant's session may not for a
    platform-level entry.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("chain", "seq", name="uq_audit_entries_chain_seq"),
        Index("ix_audit_entries_tenant_id_id", "tenant_id", "id"),
        {"implicit_returning": False},
    )

    append_from_any_scope = True

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    tenant_id: Mapped[int | None] = mapped_column(Integer)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_token_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str | None] = mapped_column(String(64))
    on_behalf_tenant_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(63))
    target_type: Mapped[str | None] = mapped_column(String(63))
    target_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    client_address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    chain: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The newest entry of one chain (``seq``, ``hash``) and where the chain now starts.

    Appends lock this row (an UPDATE), so appends to one chain are serialised while other
    tenants' chains proceed. ``base_seq``/``base_hash`` move forward when old entries are
    purged: verification starts there. A head that is ahead of the last entry shows a
    truncated tail.
    """

    __tablename__ = "audit_chain_heads"

    chain: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    base_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    base_hash: Mapped[str] = mapped_column(String(64))


class AuditReview(TenantOwned, Timestamped, Base):
    """A systematic sample review (HSLF-FS 2016:40): a random sample of a period's entries
    that the tenant's administrators must look through and mark as reviewed."""

    __tablename__ = "audit_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    entry_ids: Mapped[list[int]] = mapped_column(JSON)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
