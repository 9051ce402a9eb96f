"""Records, their versions, shares and attachments.

A :class:`Record` and its :class:`Attachment` rows are :class:`ShareableTenantOwned`: the
owner tenant reads and writes them, a tenant they are shared with only reads them (see
:mod:`samverka.records.visibility`). Versions and shares are the owner's only
(:class:`TenantOwned`). Field data is encrypted at rest; the title is not (lists, sorting).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from samverka.classification import Classification
from samverka.clock import aware, utcnow
from samverka.db import Base, ShareableTenantOwned, TenantOwned
from samverka.security.crypto import EncryptedJSON

CLASSIFICATION = Enum(
    Classification,
    native_enum=False,
    length=20,
    validate_strings=True,
    values_callable=lambda levels: [c.value for c in levels],
    name="classification",
)


def _user_fk() -> Mapped[int | None]:
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Record(ShareableTenantOwned, Base):
    """A typed record owned by one tenant. ``version`` guards against lost updates: an
    update names the version it read and fails if someone saved in between."""

    __tablename__ = "records"
    __table_args__ = (
        Index("ix_records_tenant_updated", "tenant_id", "updated_at", "id"),
        Index("ix_records_tenant_type", "tenant_id", "type_name"),
    )
    share_key = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    type_name: Mapped[str] = mapped_column(String(127))
    title: Mapped[str] = mapped_column(String(300))
    classification: Mapped[Classification] = mapped_column(CLASSIFICATION)
    data: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = _user_fk()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by_id: Mapped[int | None] = _user_fk()

    __mapper_args__ = {"version_id_col": version}

    tenant = relationship("Tenant", lazy="raise_on_sql", viewonly=True)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class RecordVersion(TenantOwned, Base):
    """A full snapshot of a record as saved (version 1 at creation); diffs are computed
    between snapshots, so no change can be lost in a diff format."""

    __tablename__ = "record_versions"
    __table_args__ = (UniqueConstraint("record_id", "version", name="uq_record_versions_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    classification: Mapped[Classification] = mapped_column(CLASSIFICATION)
    data: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    created_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecordShare(TenantOwned, Base):
    """A record shared by its owner (``tenant_id``) with one tenant or a whole consortium.

    Active while not revoked and ``valid_from <= now < valid_until`` (no end: until revoked).
    A consortium share reaches whoever is a member at the time of reading, so a tenant that
    joins later sees it too. The ground (disclosure ground under OSL/GDPR) or a consent
    reference is required for confidential and sensitive records.
    """

    __tablename__ = "record_shares"
    __table_args__ = (
        CheckConstraint(
            "(receiver_tenant_id IS NULL) <> (consortium_id IS NULL)", name="one_receiver"
        ),
        Index("ix_record_shares_receiver", "receiver_tenant_id", "record_id"),
        Index("ix_record_shares_consortium", "consortium_id", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    receiver_tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE")
    )
    consortium_id: Mapped[int | None] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE")
    )
    ground: Mapped[str | None] = mapped_column(Text)
    consent_reference: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = _user_fk()
    revoke_reason: Mapped[str | None] = mapped_column(String(200))

    receiver_tenant = relationship("Tenant", foreign_keys=[receiver_tenant_id], viewonly=True)
    consortium = relationship("Consortium", viewonly=True)

    def is_active(self, now: datetime) -> bool:

        if self.revoked_at is not None or aware(self.valid_from) > now:
            return False
        return self.valid_until is None or now < aware(self.valid_until)

    @property
    def receiver_kind(self) -> str:
        return "tenant" if self.receiver_tenant_id is not None else "consortium"


class Attachment(ShareableTenantOwned, Base):
    """A file attached to a record, stored outside the database (``storage_key``) and
    readable wherever its record is. Never named by the user's file name on disk."""

    __tablename__ = "record_attachments"
    share_key = "record_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by_id: Mapped[int | None] = _user_fk()
