"""A tenant's records at the ends of its life: the full export, and the release before the
tenant is deleted. Plain functions; the tenant-lifecycle hooks call them.

``archive`` is anything with ``add_json(path, data)``, ``add_jsonl(path, rows)`` and
``add_file(path, fileobj)`` (the tenant-export job's ZIP writer).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.classification import Classification
from samverka.db import TenantScope, scoped
from samverka.records import storage
from samverka.records.models import Attachment, Record, RecordShare, RecordVersion
from samverka.records.services import _revoke
from samverka.records.visibility import names_scope, shares
from samverka.tenants.models import Tenant

TENANT_DELETED = "tenant_deleted"


class Archive(Protocol):
    def add_json(self, path: str, data: Any) -> None: ...

    def add_jsonl(self, path: str, rows: Any) -> None: ...

    def add_file(self, path: str, fileobj: Any) -> None: ...


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_tenant_records(session: Session, tenant: Tenant, archive: Archive) -> dict[str, int]:
    """Everything of the tenant's records: each record with all its versions (deleted ones
    too), the shares it gave and received, and its attachments' files and metadata. Returns
    counts for the export's manifest."""
    with scoped(session, TenantScope.for_tenant(tenant.id)):
        records = session.scalars(
            select(Record).where(Record.tenant_id == tenant.id).order_by(Record.id)
        ).all()
        archive.add_jsonl("records/records.jsonl", (_record_row(session, r) for r in records))
        given = session.scalars(
            select(RecordShare).where(RecordShare.tenant_id == tenant.id).order_by(RecordShare.id)
        ).all()
        archive.add_jsonl("records/shares_given.jsonl", (_share_row(s) for s in given))
        received = session.execute(
            select(shares)
            .where(names_scope((tenant.id,)), shares.c.tenant_id != tenant.id)
            .order_by(shares.c.id)
        ).all()
        archive.add_jsonl("records/shares_received.jsonl", (_received_row(s) for s in received))
        attachments = session.scalars(
            select(Attachment).where(Attachment.tenant_id == tenant.id).order_by(Attachment.id)
        ).all()
        archive.add_jsonl("records/attachments.jsonl", (_attachment_row(a) for a in attachments))
        store = storage.current_storage()
        for attachment in attachments:
            if attachment.deleted_at is not None:
                continue
            try:
                with store.open(attachment.storage_key) as handle:
                    archive.add_file(attachment_path(attachment), handle)
            except FileNotFoundError:
                continue  # listed in attachments.jsonl; the file was already gone
    return {
        "records": len(records),
        "shares_given": len(given),
        "shares_received": len(received),
        "attachments": len(attachments),
    }


def attachment_path(attachment: Attachment) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in attachment.filename)
    return f"records/attachments/{attachment.id}-{safe}"


def _record_row(session: Session, record: Record) -> dict[str, Any]:
    versions = session.scalars(
        select(RecordVersion)
        .where(RecordVersion.record_id == record.id)
        .order_by(RecordVersion.version)
    )
    return {
        "id": record.id,
        "type": record.type_name,
        "title": record.title,
        "classification": Classification(record.classification).value,
        "version": record.version,
        "data": record.data,
        "created_at": _iso(record.created_at),
        "created_by_id": record.created_by_id,
        "updated_at": _iso(record.updated_at),
        "updated_by_id": record.updated_by_id,
        "deleted_at": _iso(record.deleted_at),
        "versions": [
            {
                "version": v.version,
                "title": v.title,
                "classification": Classification(v.classification).value,
                "data": v.data,
                "created_at": _iso(v.created_at),
                "created_by_id": v.created_by_id,
            }
            for v in versions
        ],
    }


def _share_row(share: RecordShare) -> dict[str, Any]:
    return {
        "id": share.id,
        "record_id": share.record_id,
        "receiver_tenant_id": share.receiver_tenant_id,
        "consortium_id": share.consortium_id,
        "ground": share.ground,
        "consent_reference": share.consent_reference,
        "valid_from": _iso(share.valid_from),
        "valid_until": _iso(share.valid_until),
        "created_at": _iso(share.created_at),
        "revoked_at": _iso(share.revoked_at),
        "revoke_reason": share.revoke_reason,
    }


def _received_row(row) -> dict[str, Any]:
    """A share naming the tenant (or one of its consortia): who shared what, on what ground;
    the record itself belongs to its owner and is not exported."""
    return {
        "id": row.id,
        "record_id": row.record_id,
        "owner_tenant_id": row.tenant_id,
        "receiver_tenant_id": row.receiver_tenant_id,
        "consortium_id": row.consortium_id,
        "ground": row.ground,
        "consent_reference": row.consent_reference,
        "valid_from": _iso(row.valid_from),
        "valid_until": _iso(row.valid_until),
        "revoked_at": _iso(row.revoked_at),
    }


def _attachment_row(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "record_id": attachment.record_id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "created_at": _iso(attachment.created_at),
        "deleted_at": _iso(attachment.deleted_at),
        "path": None if attachment.deleted_at else attachment_path(attachment),
    }


def release_tenant(session: Session, tenant: Tenant) -> dict[str, int]:
    """Before a tenant is deleted: revoke every share from it and every share naming it (each
    audited in the owner's chain, reason ``tenant_deleted``), and delete its attachments'
    stored files once the caller commits. Consortium shares of other owners stay: the
    tenant's leaving the consortium ends its access to them. The caller commits."""
    revoked = 0
    with scoped(session, TenantScope.for_tenant(tenant.id)):
        for share in _unrevoked(session, RecordShare.tenant_id == tenant.id):
            _revoke(session, share, session.get(Record, share.record_id), None, TENANT_DELETED)
            revoked += 1
        owners = sorted(
            set(
                session.scalars(
                    select(shares.c.tenant_id).where(
                        shares.c.receiver_tenant_id == tenant.id, shares.c.revoked_at.is_(None)
                    )
                )
            )
        )
        store = storage.current_storage()
        keys = session.scalars(
            select(Attachment.storage_key).where(Attachment.tenant_id == tenant.id)
        ).all()
        for key in keys:
            storage.delete_after_commit(session, store, key)
    for owner_id in owners:
        with scoped(session, TenantScope.for_tenant(owner_id)):
            for share in _unrevoked(session, RecordShare.receiver_tenant_id == tenant.id):
                _revoke(session, share, session.get(Record, share.record_id), None, TENANT_DELETED)
                revoked += 1
    return {"shares_revoked": revoked, "files_deleted": len(keys)}


def _unrevoked(session: Session, condition) -> Iterator[RecordShare]:
    return iter(
        session.scalars(
            select(RecordShare)
            .where(condition, RecordShare.revoked_at.is_(None))
            .order_by(RecordShare.id)
        ).all()
    )
