"""Retention: deleted records past the restore window and records past their type's
retention are purged for good, with their files, audited."""

from __future__ import annotations

import io

from sqlalchemy import select

from samverka import clock
from samverka.audit.models import AuditEntry
from samverka.db import TenantScope, scoped
from samverka.records import retention, services
from samverka.records.models import Attachment, Record, RecordVersion

PDF = b"%PDF-1.4\n%%EOF\n"


def test_purge_expired(ctx, db, world, acting, settings, frozen_clock):
    root = settings.instance_path / "attachments"
    with acting(world.a, world.admin_a):
        gone = services.create_record(
            db, record_type="core.document", title="Borta", data={}, user=world.admin_a
        )
        services.add_attachment(
            db,
            gone,
            filename="a.pdf",
            content_type="application/pdf",
            stream=io.BytesIO(PDF),
            user=world.admin_a,
        )
        services.share_record(db, gone, tenant=world.b, user=world.admin_a)
        services.delete_record(db, gone, user=world.admin_a)
        recent = services.create_record(
            db, record_type="core.document", title="Nyss borttagen", data={}, user=world.admin_a
        )
        kept = services.create_record(
            db, record_type="core.document", title="Kvar", data={}, user=world.admin_a
        )
        case = services.create_record(  # testplugin.case: kept 365 days
            db, record_type="testplugin.case", title="Ärende", data={}, user=world.admin_a
        )
        db.commit()
        assert len([p for p in root.rglob("*") if p.is_file()]) == 1
    frozen_clock.advance(days=20)
    with acting(world.a, world.admin_a):
        services.delete_record(db, db.get(Record, recent.id), user=world.admin_a)
        db.commit()
    frozen_clock.advance(days=15)  # gone: 35 days deleted; recent: 15
    with scoped(db, TenantScope(tuple(t.id for t in (world.a, world.b, world.c)))):
        results = retention.purge_expired(db, clock.now())
        db.commit()
    assert [(r.record_id, r.reason) for r in results] == [(gone.id, "deleted")]
    assert [p for p in root.rglob("*") if p.is_file()] == []
    frozen_clock.advance(days=400)
    with scoped(db, TenantScope(tuple(t.id for t in (world.a, world.b, world.c)))):
        results = retention.purge_expired(db, clock.now())
        db.commit()
    # the recent deletion is past its window now; the case past its type's retention
    assert sorted((r.record_id, r.reason) for r in results) == sorted(
        [(recent.id, "deleted"), (case.id, "retention")]
    )
    with acting(world.a):
        assert [r.id for r in db.scalars(select(Record))] == [kept.id]
        assert {v.record_id for v in db.scalars(select(RecordVersion))} == {kept.id}
        assert db.scalars(select(Attachment)).all() == []
        purges = db.scalars(
            select(AuditEntry.target_id).where(AuditEntry.action == "record.purge")
        ).all()
    assert sorted(purges) == sorted(str(i) for i in (gone.id, recent.id, case.id))
