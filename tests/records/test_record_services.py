"""Records through the services: create, update, versions, diff, delete, restore, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.db import TenantScope, scoped
from samverka.errors import Conflict, Forbidden, NotFound, ValidationError
from samverka.records import services
from samverka.records.disclosure import disclose
from samverka.records.models import Record, RecordVersion
from samverka.records.types import RecordValidationError


def new_document(db, user, title="Lägesbild centrum", **data):
    data = {"summary": "Oro kring skolan", "body": "Skadegörelse vid busstationen", **data}
    return services.create_record(
        db, record_type="core.document", title=title, data=data, user=user
    )


def record_actions(db, tenant_id) -> list[str]:
    """The tenant's ``record.*`` audit actions in order (other actions share target ids)."""
    with scoped(db, TenantScope.for_tenant(tenant_id)):
        actions = db.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.tenant_id == tenant_id)
            .order_by(AuditEntry.id)
        ).all()
    return [a for a in actions if a.startswith("record.")]


def test_create_update_versions_and_diff(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        record = new_document(db, world.admin_a, contact_person="Anna Andersson")
        db.commit()
        assert (record.version, record.tenant_id) == (1, world.a.id)
        services.update_record(
            db,
            record,
            title="Lägesbild centrum v2",
            data={"summary": None, "status": "final"},
            expected_version=1,
            user=world.admin_a,
        )
        db.commit()
        assert record.version == 2
        assert "summary" not in record.data and record.data["status"] == "final"
        versions = services.record_versions(db, record, user=world.admin_a)
        assert [v.version for v in versions] == [1, 2]
        diff = services.version_diff(versions[0], versions[1], hidden=frozenset())
        changes = {c.field: c for c in diff}
        assert set(changes) == {"title", "summary", "status"}
        assert changes["summary"].kind == "removed" and changes["status"].kind == "added"
        assert changes["title"].after == "Lägesbild centrum v2"
    assert record_actions(db, world.a.id) == ["record.create", "record.update"]


def test_an_unchanged_update_saves_no_version(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        record = new_document(db, world.admin_a)
        services.update_record(db, record, data={"summary": "Oro kring skolan"}, user=world.admin_a)
        db.commit()
        assert record.version == 1


def test_a_stale_version_is_a_conflict(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        record = new_document(db, world.admin_a)
        services.update_record(db, record, title="Ny", user=world.admin_a)
        db.commit()
        with pytest.raises(Conflict, match="version 2"):
            services.update_record(
                db, record, title="Gammal", expected_version=1, user=world.admin_a
            )
        db.rollback()
        assert db.get(Record, record.id).title == "Ny"


def test_bad_data_names_every_field_and_stores_nothing(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        with pytest.raises(RecordValidationError) as caught:
            services.create_record(
                db,
                record_type="core.minutes",
                title="Möte",
                data={"body": 5, "colour": "red"},
                user=world.admin_a,
            )
        assert set(caught.value.errors) == {"body", "colour", "meeting_date"}
        db.rollback()
        assert db.scalars(select(Record)).all() == []
        with pytest.raises(ValidationError):
            services.create_record(db, record_type="core.nope", title="x", data={}, user=None)
        with pytest.raises(ValidationError, match="title"):
            new_document(db, world.admin_a, title="  ")


def test_a_reader_cannot_write(ctx, db, world, acting):
    with acting(world.a, world.reader_a), pytest.raises(Forbidden):
        new_document(db, world.reader_a)


def test_delete_and_restore_within_the_window(ctx, db, world, acting, frozen_clock):
    with acting(world.a, world.admin_a):
        record = new_document(db, world.admin_a)
        services.delete_record(db, record, user=world.admin_a)
        db.commit()
        assert services.list_records(db, viewer_tenant=world.a, user=world.admin_a) == []
        with pytest.raises(NotFound):
            services.get_record(db, record.id, user=world.admin_a, viewer_tenant=world.a)
        frozen_clock.advance(days=29)
        services.restore_record(db, record, user=world.admin_a)
        db.commit()
        assert services.list_records(db, viewer_tenant=world.a, user=world.admin_a) == [record]
        services.delete_record(db, record, user=world.admin_a)
        frozen_clock.advance(days=31)
        with pytest.raises(ValidationError, match="too long ago"):
            services.restore_record(db, record, user=world.admin_a)
        db.rollback()
    assert record_actions(db, world.a.id) == ["record.create", "record.delete", "record.restore"]


def test_reading_a_confidential_record_is_audited(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        open_record = new_document(db, world.admin_a, title="Öppen")
        secret = services.create_record(
            db,
            record_type="core.document",
            title="Hemlig",
            data={},
            classification="confidential",
            user=world.admin_a,
        )
        db.commit()
        services.get_record(db, open_record.id, user=world.admin_a, viewer_tenant=world.a)
        services.get_record(db, secret.id, user=world.admin_a, viewer_tenant=world.a)
        db.commit()
    assert record_actions(db, world.a.id) == ["record.create", "record.create", "record.read"]


def test_personal_fields_are_hidden_by_role(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        record = new_document(db, world.admin_a, contact_person="Anna Andersson")
        db.commit()
        admin = disclose(db, record, user=world.admin_a, viewer_tenant=world.a)
        reader = disclose(db, record, user=world.reader_a, viewer_tenant=world.a)
        assert admin.data["contact_person"] == "Anna Andersson" and not admin.withheld
        assert "contact_person" not in reader.data and "body" in reader.data
        assert reader.withheld == {"contact_person"}
        assert "contact_person" not in {f.name for f in reader.fields}
        contributor = disclose(db, record, user=world.contributor_a, viewer_tenant=world.a)
        assert "contact_person" not in contributor.data
        operator = disclose(db, record, user=None, viewer_tenant=world.a)
        assert "contact_person" not in operator.data


def test_data_is_encrypted_at_rest(ctx, db, world, acting):
    from sqlalchemy import text

    with acting(world.a, world.admin_a):
        new_document(db, world.admin_a, body="Hemlig text om busstationen")
        db.commit()
        stored = db.execute(text("SELECT data FROM records")).scalar_one()
    assert "busstationen" not in stored


def test_versions_are_scoped_to_the_owner(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        new_document(db, world.admin_a)
        db.commit()
    with acting(world.b, world.admin_b):
        assert db.scalars(select(RecordVersion)).all() == []


def test_list_keyset_pages(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        made = [new_document(db, world.admin_a, title=f"Dokument {i}") for i in range(5)]
        db.commit()
        first = services.list_records(db, viewer_tenant=world.a, user=world.admin_a, limit=3)
        rest = services.list_records(
            db, viewer_tenant=world.a, user=world.admin_a, limit=3, after=first[-1].id
        )
    assert [r.id for r in first + rest] == [r.id for r in reversed(made)]


def test_messages_are_swedish_by_default(app, db, world, acting):
    with app.test_request_context(), acting(world.a, world.admin_a):
        with pytest.raises(RecordValidationError) as caught:
            services.create_record(
                db, record_type="core.minutes", title="Möte", data={}, user=world.admin_a
            )
        assert caught.value.messages() == {"meeting_date": "Mötesdatum måste anges."}
        with pytest.raises(ValidationError, match="Ange en rubrik"):
            new_document(db, world.admin_a, title=" ")
