"""The sharing matrix: owner, named receiver, consortium member, non-member, revoked,
expired, not yet valid — through the services (ORM criteria) and, on PostgreSQL, through
plain SQL as the app role under row-level security. Both must agree."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from samverka import clock
from samverka.audit.models import AuditEntry
from samverka.db import TenantScope, TenantScopeError, scoped
from samverka.errors import Forbidden, NotFound, ValidationError
from samverka.records import services
from samverka.records.disclosure import disclose
from samverka.records.models import Attachment, Record, RecordShare
from samverka.tenancy import services as tenancy

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make(db, user, title, classification="internal", **data):
    return services.create_record(
        db,
        record_type="core.document",
        title=title,
        data={"body": f"{title} text", "contact_person": "Anna Andersson", **data},
        classification=classification,
        user=user,
    )


@pytest.fixture
def matrix(ctx, db, world, acting):
    """Records of tenant A, one per share state, and an attachment on the named share."""
    now = clock.now()
    with acting(world.a, world.admin_a):
        r = {
            name: make(db, world.admin_a, name)
            for name in ("private", "named", "consortium", "revoked", "expired", "future")
        }
        b = world.b
        services.share_record(db, r["named"], tenant=b, user=world.admin_a)
        services.share_record(db, r["consortium"], consortium=world.consortium, user=world.admin_a)
        revoked = services.share_record(db, r["revoked"], tenant=b.slug, user=world.admin_a)
        services.revoke_share(db, revoked, user=world.admin_a, reason="ended")
        expired = services.share_record(
            db, r["expired"], tenant=b.id, valid_until=now + timedelta(days=1), user=world.admin_a
        )
        services.share_record(
            db, r["future"], tenant=b, valid_from=now + timedelta(days=2), user=world.admin_a
        )
        services.add_attachment(
            db,
            r["named"],
            filename="rapport.pdf",
            content_type="application/pdf",
            stream=io.BytesIO(PDF),
            user=world.admin_a,
        )
        db.flush()
        db.execute(  # the owner ends the period in the past (no service makes that)
            update(RecordShare)
            .where(RecordShare.id == expired.id)
            .values(valid_from=now - timedelta(days=3), valid_until=now - timedelta(days=1))
        )
        db.commit()
    return {name: rec.id for name, rec in r.items()}


def visible_titles(db, acting, tenant, user) -> set[str]:
    with acting(tenant, user):
        rows = services.list_records(db, viewer_tenant=tenant, user=user)
        return {r.title for r in rows}


def test_each_viewer_sees_exactly_what_it_should(matrix, db, world, acting):
    assert visible_titles(db, acting, world.a, world.reader_a) == set(matrix)
    assert visible_titles(db, acting, world.b, world.reader_b) == {"named", "consortium"}
    assert visible_titles(db, acting, world.c, world.admin_c) == set()
    for name, record_id in matrix.items():
        with acting(world.b, world.reader_b):
            if name in {"named", "consortium"}:
                found = services.get_record(
                    db, record_id, user=world.reader_b, viewer_tenant=world.b
                )
                assert found.tenant_id == world.a.id  # ownership never moves
            else:
                with pytest.raises(NotFound):
                    services.get_record(db, record_id, user=world.reader_b, viewer_tenant=world.b)
        with acting(world.c, world.admin_c), pytest.raises(NotFound):
            services.get_record(db, record_id, user=world.admin_c, viewer_tenant=world.c)


def test_a_tenant_that_joins_later_sees_earlier_consortium_shares(matrix, db, world, acting):
    tenancy.add_to_consortium(db, world.c, world.consortium)
    db.commit()
    assert visible_titles(db, acting, world.c, world.admin_c) == {"consortium"}


def test_only_own_records_without_shared(matrix, db, world, acting):
    with acting(world.b, world.reader_b):
        assert (
            services.list_records(
                db, viewer_tenant=world.b, user=world.reader_b, include_shared=False
            )
            == []
        )


def test_attachments_follow_their_record_and_shares_stay_with_the_owner(matrix, db, world, acting):
    with acting(world.b, world.reader_b):
        attachments = db.scalars(select(Attachment)).all()
        assert [a.record_id for a in attachments] == [matrix["named"]]
        with services.open_attachment(db, attachments[0], user=world.reader_b) as handle:
            assert handle.read() == PDF
        assert db.scalars(select(RecordShare)).all() == []  # receivers see no share rows
        record = db.get(Record, matrix["named"])
        with pytest.raises(Forbidden):
            services.record_shares(db, record, user=world.reader_b)
        with pytest.raises(Forbidden):
            services.record_versions(db, record, user=world.reader_b)
    with acting(world.c, world.admin_c):
        assert db.scalars(select(Attachment)).all() == []


def test_receivers_never_write(matrix, db, world, acting):
    with acting(world.b, world.admin_b):
        record = services.get_record(db, matrix["named"], user=world.admin_b, viewer_tenant=world.b)
        with pytest.raises(Forbidden):
            services.update_record(db, record, title="Kapad", user=world.admin_b)
        with pytest.raises(Forbidden):
            services.delete_record(db, record, user=world.admin_b)
        with pytest.raises(Forbidden):
            services.share_record(db, record, tenant=world.c, user=world.admin_b)
        with pytest.raises(Forbidden):
            services.add_attachment(
                db,
                record,
                filename="x.pdf",
                content_type="application/pdf",
                stream=io.BytesIO(PDF),
                user=world.admin_b,
            )
        record.title = "Kapad"
        with pytest.raises(TenantScopeError):
            db.flush()
        db.rollback()
        record = db.get(Record, matrix["named"])
        db.delete(record)
        with pytest.raises(TenantScopeError):
            db.flush()
        db.rollback()
        db.execute(update(Record).values(title="Kapad"))  # bulk: owner rows only
        db.commit()
    with acting(world.a, world.admin_a):
        assert db.get(Record, matrix["named"]).title == "named"


def test_personal_fields_follow_the_receivers_role(matrix, db, world, acting):
    with acting(world.b, world.admin_b):
        record = db.get(Record, matrix["named"])
        admin = disclose(db, record, user=world.admin_b, viewer_tenant=world.b)
        reader = disclose(db, record, user=world.reader_b, viewer_tenant=world.b)
        assert admin.data["contact_person"] == "Anna Andersson"
        assert "contact_person" not in reader.data


def test_bad_shares_are_refused_and_change_nothing(ctx, db, world, acting):
    now = clock.now()
    with acting(world.a, world.admin_a):
        secret = make(db, world.admin_a, "secret", classification="confidential")
        db.commit()
        cases = [
            ({"tenant": world.b}, "ground"),
            ({"tenant": "nowhere", "ground": "OSL 10:2"}, "no organisation"),
            ({"tenant": world.a, "ground": "OSL 10:2"}, "own organisation"),
            ({"tenant": world.b, "consortium": world.consortium, "ground": "x"}, "either"),
            ({"consortium": "nothing", "ground": "x"}, "no consortium"),
            ({"tenant": world.b, "ground": "x", "valid_until": now - timedelta(days=1)}, "end"),
        ]
        for kwargs, message in cases:
            with pytest.raises(ValidationError, match=message):
                services.share_record(db, secret, user=world.admin_a, **kwargs)
        db.rollback()
        assert db.scalars(select(RecordShare)).all() == []
        services.share_record(db, secret, tenant=world.b, ground="OSL 10:2", user=world.admin_a)
        with pytest.raises(ValidationError, match="already shared"):
            services.share_record(db, secret, tenant=world.b, ground="x", user=world.admin_a)
        with pytest.raises(ValidationError, match="member"):
            services.share_record(
                db, secret, consortium=_other_consortium(db), ground="x", user=world.admin_a
            )
        case = services.create_record(
            db, record_type="testplugin.case", title="Ärende", data={}, user=world.admin_a
        )
        with pytest.raises(ValidationError, match="cannot be shared"):
            services.share_record(db, case, tenant=world.b, ground="x", user=world.admin_a)
    with acting(world.a, world.reader_a), pytest.raises(Forbidden):
        secret = db.get(Record, secret.id)  # a new scope: rows are loaded again
        services.share_record(db, secret, tenant=world.c, ground="x", user=world.reader_a)


def _other_consortium(db):
    return tenancy.create_consortium(db, "annan", "Annan", "17")


def test_shares_and_revocations_are_audited(matrix, db, world):
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        actions = [
            a
            for a in db.scalars(select(AuditEntry.action).where(AuditEntry.tenant_id == world.a.id))
            if a.startswith("record.")
        ]
    assert actions.count("record.share") == 5
    assert actions.count("record.share_revoke") == 1
    assert actions.count("record.attachment_add") == 1


# -- the same matrix in the database itself ---------------------------------------------------


@pytest.mark.postgresql_only
def test_rls_agrees_with_the_orm(matrix, db, world, acting, app_sql):
    def titles(tenant) -> set[str]:
        return {row.title for row in app_sql([tenant.id], "SELECT title FROM records")}

    assert titles(world.a) == set(matrix)
    assert (
        titles(world.b)
        == {"named", "consortium"}
        == visible_titles(db, acting, world.b, world.reader_b)
    )
    assert titles(world.c) == set()
    assert app_sql([], "SELECT id FROM records") == []
    attachments = app_sql([world.b.id], "SELECT record_id FROM record_attachments")
    assert [row.record_id for row in attachments] == [matrix["named"]]
    assert app_sql([world.c.id], "SELECT id FROM record_attachments") == []
    # the receiver finds the shares naming it (not the others); versions are the owner's
    receivers = app_sql([world.b.id], "SELECT record_id FROM record_shares")
    assert {row.record_id for row in receivers} == {
        matrix[n] for n in ("named", "consortium", "revoked", "expired", "future")
    }
    assert app_sql([world.c.id], "SELECT id FROM record_shares") == []
    assert app_sql([world.b.id], "SELECT id FROM record_versions") == []
    tenancy.add_to_consortium(db, world.c, world.consortium)
    db.commit()
    assert titles(world.c) == {"consortium"}


@pytest.mark.postgresql_only
def test_rls_refuses_a_receivers_writes(matrix, world, app_sql):
    named = matrix["named"]
    assert app_sql([world.b.id], "UPDATE records SET title = 'x' WHERE id = :id", id=named) == 0
    assert app_sql([world.b.id], "DELETE FROM records WHERE id = :id", id=named) == 0
    assert app_sql([world.b.id], "DELETE FROM record_attachments") == 0
    assert app_sql([world.b.id], "UPDATE record_shares SET revoked_at = now()") == 0
    assert (
        app_sql([world.a.id], "SELECT title FROM records WHERE id = :id", id=named)[0].title
        == "named"
    )


def test_share_periods_in_other_time_zones_are_kept_in_utc(ctx, db, world, acting):
    from datetime import timezone

    east = timezone(timedelta(hours=5))
    with acting(world.a, world.admin_a):
        record = make(db, world.admin_a, "zoned")
        started = (clock.now() - timedelta(hours=1)).astimezone(east)  # wall time: future in UTC
        services.share_record(db, record, tenant=world.b, valid_from=started, user=world.admin_a)
        db.commit()
    assert visible_titles(db, acting, world.b, world.reader_b) == {"zoned"}


def test_a_receiver_learns_its_own_grounds_only(matrix, db, world, acting):
    with acting(world.b, world.reader_b):
        named = db.get(Record, matrix["named"])
        (share,) = services.shares_received(db, named, world.b)
        assert share["receiver_tenant_id"] == world.b.id
        consortium = db.get(Record, matrix["consortium"])
        assert [s["consortium_id"] for s in services.shares_received(db, consortium, world.b)] == [
            world.consortium.id
        ]
    with acting(world.a, world.admin_a):
        assert services.shares_received(db, db.get(Record, matrix["named"]), world.a) == []


def test_raising_the_classification_needs_grounds_for_the_shares_it_has(ctx, db, world, acting):
    with acting(world.a, world.admin_a):
        memo = make(db, world.admin_a, "memo", classification="internal")
        bare = services.share_record(db, memo, tenant=world.b, user=world.admin_a)
        db.commit()
        with pytest.raises(ValidationError, match="without a disclosure ground") as refused:
            services.update_record(db, memo, classification="sensitive", user=world.admin_a)
        assert refused.value.field == "classification"
        db.rollback()
        assert db.get(Record, memo.id).classification == "internal" and memo.version == 1
        services.revoke_share(db, db.get(RecordShare, bare.id), user=world.admin_a)
        services.share_record(db, memo, tenant=world.b, ground="OSL 26:1", user=world.admin_a)
        services.update_record(db, memo, classification="sensitive", user=world.admin_a)
        db.commit()
        assert db.get(Record, memo.id).classification == "sensitive"
