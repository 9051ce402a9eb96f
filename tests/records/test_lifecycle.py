"""A tenant's records at export and at deletion."""

from __future__ import annotations

import io

from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.db import TenantScope, scoped
from samverka.records import lifecycle, services
from samverka.records.models import RecordShare

PDF = b"%PDF-1.4\n%%EOF\n"


class MemoryArchive:
    def __init__(self) -> None:
        self.json: dict = {}
        self.files: dict[str, bytes] = {}

    def add_json(self, path, data) -> None:
        self.json[path] = data

    def add_jsonl(self, path, rows) -> None:
        self.json[path] = list(rows)

    def add_file(self, path, fileobj) -> None:
        self.files[path] = fileobj.read()


def seed(db, world, acting):
    with acting(world.a, world.admin_a):
        own = services.create_record(
            db, record_type="core.document", title="A:s", data={"body": "v1"}, user=world.admin_a
        )
        services.update_record(db, own, data={"body": "v2"}, user=world.admin_a)
        services.add_attachment(
            db,
            own,
            filename="r.pdf",
            content_type="application/pdf",
            stream=io.BytesIO(PDF),
            user=world.admin_a,
        )
        services.share_record(db, own, tenant=world.b, user=world.admin_a)
        services.share_record(db, own, consortium=world.consortium, user=world.admin_a)
        db.commit()
    with acting(world.b, world.admin_b):
        theirs = services.create_record(
            db, record_type="core.document", title="B:s", data={}, user=world.admin_b
        )
        services.share_record(db, theirs, tenant=world.a, user=world.admin_b)
        db.commit()
    return own, theirs


def test_export_holds_records_versions_shares_and_files(ctx, db, world, acting):
    _own, theirs = seed(db, world, acting)
    archive = MemoryArchive()
    counts = lifecycle.export_tenant_records(db, world.a, archive)
    assert counts == {"records": 1, "shares_given": 2, "shares_received": 1, "attachments": 1}
    (row,) = archive.json["records/records.jsonl"]
    assert [v["data"]["body"] for v in row["versions"]] == ["v1", "v2"]
    assert [s["record_id"] for s in archive.json["records/shares_received.jsonl"]] == [theirs.id]
    (attachment,) = archive.json["records/attachments.jsonl"]
    assert archive.files[attachment["path"]] == PDF


def test_release_revokes_shares_both_ways_and_deletes_files(ctx, db, world, acting, settings):
    _own, theirs = seed(db, world, acting)
    result = lifecycle.release_tenant(db, world.a)
    db.commit()
    assert result == {"shares_revoked": 3, "files_deleted": 1}
    root = settings.instance_path / "attachments"
    assert [p for p in root.rglob("*") if p.is_file()] == []
    for tenant in (world.a, world.b):
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            assert all(
                s.revoked_at is not None and s.revoke_reason == "tenant_deleted"
                for s in db.scalars(select(RecordShare))
            )
            revocations = db.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.tenant_id == tenant.id, AuditEntry.action == "record.share_revoke"
                )
            ).all()
            assert len(revocations) == (2 if tenant is world.a else 1)
    with acting(world.b, world.admin_b):
        listed = services.list_records(db, viewer_tenant=world.b, user=world.admin_b)
        assert [r.id for r in listed] == [theirs.id]
