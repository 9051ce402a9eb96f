"""One rule for rows that belong to a tenant or to the platform (``TenantOrPlatformOwned``):
``coalesce(tenant_id, 0) IN scope``, in the ORM and (on PostgreSQL, as the app role) in
row-level security. A tenant's scope sees neither another tenant's jobs nor the platform's;
platform work says so by putting the platform (0) in its scope."""

from __future__ import annotations

import pytest
from jobkit import add_note
from sqlalchemy import create_engine, delete, func, select, text, update

from samverka.db import (
    PLATFORM_SCOPE_ID,
    TenantScope,
    TenantScopeError,
    platform_scope,
    scoped,
)
from samverka.jobs.models import OutboxJob
from samverka.jobs.outbox import enqueue
from samverka.jobs.outbox import platform_scope as all_tenants_and_platform


def platform_mail(app, db) -> int:
    with app.app_context(), scoped(db, platform_scope()):
        job = enqueue(db, "core.send_mail", tenant_id=None, to="x@test", subject="s", body="b")
        db.commit()
        return job.id


@pytest.fixture
def three_jobs(app, db, queue, tenant_pair, with_plugins):
    """One job of Sunne's, one of Torsby's, one of the platform's."""
    with_plugins(tenant_pair.a, "testplugin")
    with_plugins(tenant_pair.b, "testplugin")
    return {
        "a": add_note(app, db, tenant_pair.a, "a"),
        "b": add_note(app, db, tenant_pair.b, "b"),
        "platform": platform_mail(app, db),
    }


def visible_ids(db, scope: TenantScope) -> set[int]:
    db.expire_all()
    with scoped(db, scope):
        found = set(db.scalars(select(OutboxJob.id)))
        db.rollback()
        return found


def test_the_orm_shows_a_tenant_only_its_own_jobs(db, tenant_pair, three_jobs):
    a, b, platform = three_jobs["a"], three_jobs["b"], three_jobs["platform"]
    assert visible_ids(db, TenantScope.for_tenant(tenant_pair.a.id)) == {a}
    assert visible_ids(db, TenantScope.for_tenant(tenant_pair.b.id)) == {b}
    assert visible_ids(db, TenantScope()) == set()
    assert visible_ids(db, platform_scope()) == {platform}
    assert visible_ids(db, platform_scope((tenant_pair.a.id,))) == {a, platform}
    assert visible_ids(db, all_tenants_and_platform(db)) == {a, b, platform}
    with scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        assert db.get(OutboxJob, platform) is None
        assert db.get(OutboxJob, a) is None
        db.rollback()


def test_a_tenant_scope_neither_updates_nor_deletes_platform_jobs(db, tenant_pair, three_jobs):
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        db.execute(update(OutboxJob).values(status="failed"))
        db.execute(delete(OutboxJob).where(OutboxJob.id != three_jobs["a"]))
        db.commit()
    with scoped(db, all_tenants_and_platform(db)):
        states = dict(db.execute(select(OutboxJob.id, OutboxJob.status)).all())
        db.rollback()
    assert states == {
        three_jobs["a"]: "failed",
        three_jobs["b"]: "pending",
        three_jobs["platform"]: "pending",
    }


def test_a_platform_job_needs_the_platform_in_scope(app, db, queue, tenant_pair):
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        with pytest.raises(TenantScopeError):
            enqueue(db, "core.send_mail", tenant_id=None, to="x@test", subject="s", body="b")
        db.rollback()
        # Below enqueue, the flush refuses a platform row outside a platform scope too.
        with scoped(db, TenantScope((tenant_pair.a.id, tenant_pair.b.id))):
            db.add(OutboxJob(tenant_id=None, job="core.send_mail", arguments="{}"))
            with pytest.raises(TenantScopeError):
                db.flush()
        db.rollback()
    assert visible_ids(db, all_tenants_and_platform(db)) == set()


def test_stamping_fills_in_a_single_tenant_and_keeps_the_platforms_rows(db, tenant_pair):
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        stamped = OutboxJob(job="core.count_to", arguments="{}")
        db.add(stamped)
        db.flush()
        assert stamped.tenant_id == tenant_pair.a.id
    with scoped(db, platform_scope()):
        platform = OutboxJob(job="core.count_to", arguments="{}")
        db.add(platform)
        db.flush()
        assert platform.tenant_id is None  # the platform's: 0 is never written as a tenant
    with scoped(db, platform_scope()):
        db.add(OutboxJob(tenant_id=tenant_pair.b.id, job="core.count_to", arguments="{}"))
        with pytest.raises(TenantScopeError):
            db.flush()
    db.rollback()


def test_audit_entries_follow_the_same_rule_but_append_from_anywhere(db, tenant_pair):
    from samverka.audit import AuditEntry, record_event

    with scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):  # recorded where it happens
        record_event(db, "auth.login_failed", tenant_id=None, outcome="failure")
        record_event(db, "auth.login_failed", tenant_id=tenant_pair.a.id, outcome="failure")
        db.commit()

    def tenants_seen(scope: TenantScope) -> list[int | None]:
        with scoped(db, scope):
            failed = AuditEntry.action == "auth.login_failed"
            seen = list(db.scalars(select(AuditEntry.tenant_id).where(failed)))
            db.rollback()
            return seen

    assert tenants_seen(TenantScope.for_tenant(tenant_pair.b.id)) == []
    assert tenants_seen(TenantScope.for_tenant(tenant_pair.a.id)) == [tenant_pair.a.id]
    assert tenants_seen(platform_scope()) == [None]
    assert PLATFORM_SCOPE_ID == 0


@pytest.fixture
def app_role_connection(samverka_backend, samverka_database):
    """A raw connection as the app's role (no BYPASSRLS): only row-level security applies."""
    engine = create_engine(samverka_database.app_url)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def raw_ids(conn, tenants: str) -> set[int]:
    with conn.begin():
        conn.execute(text("SELECT set_config('samverka.tenant_ids', :t, true)"), {"t": tenants})
        return set(conn.scalars(text("SELECT id FROM job_outbox")))


@pytest.mark.postgresql_only
def test_row_level_security_applies_the_same_rule(app_role_connection, tenant_pair, three_jobs):
    a, b, platform = three_jobs["a"], three_jobs["b"], three_jobs["platform"]
    conn = app_role_connection
    assert raw_ids(conn, "") == set()
    assert raw_ids(conn, str(tenant_pair.a.id)) == {a}
    assert raw_ids(conn, str(tenant_pair.b.id)) == {b}
    assert raw_ids(conn, "0") == {platform}
    assert raw_ids(conn, f"{tenant_pair.a.id},{tenant_pair.b.id},0") == {a, b, platform}


@pytest.mark.postgresql_only
def test_row_level_security_refuses_platform_rows_to_a_tenant(app_role_connection, tenant_pair):
    from sqlalchemy.exc import ProgrammingError

    conn = app_role_connection
    insert = text(
        "INSERT INTO job_outbox (tenant_id, job, nonce, arguments, status, attempts,"
        " max_attempts, available_at, created_at)"
        " VALUES (NULL, 'core.send_mail', 'n', 'x', 'pending', 0, 1, now(), now())"
    )
    with pytest.raises(ProgrammingError, match="row-level security"), conn.begin():
        conn.execute(
            text("SELECT set_config('samverka.tenant_ids', :t, true)"),
            {"t": str(tenant_pair.a.id)},
        )
        conn.execute(insert)
    with conn.begin():
        conn.execute(text("SELECT set_config('samverka.tenant_ids', '0', true)"))
        conn.execute(insert)
        assert conn.scalar(text("SELECT count(*) FROM job_outbox WHERE tenant_id IS NULL")) == 1
        conn.execute(text("DELETE FROM job_outbox"))


def test_count_of_platform_rows_in_every_tenant_scope_is_zero(db, tenant_pair, three_jobs):
    for tenant in (tenant_pair.a, tenant_pair.b):
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            where = OutboxJob.tenant_id.is_(None)
            assert db.scalar(select(func.count()).select_from(OutboxJob).where(where)) == 0
            db.rollback()
