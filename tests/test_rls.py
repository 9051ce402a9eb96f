"""Layer 2 of isolation: PostgreSQL row-level security, independent of the ORM."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from samverka import rls

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def raw_app_connection(app, samverka_backend, samverka_database):
    engine = create_engine(samverka_database.app_url)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


@pytest.fixture
def seeded(db, tenant_pair):
    from samverka.db import TenantScope, scoped
    from samverka_testplugin import Note

    for tenant in (tenant_pair.a, tenant_pair.b):
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            db.add(Note(text=tenant.slug))
            db.flush()
    db.commit()
    return tenant_pair


def scope(conn, tenants: str, user: str = "") -> None:
    conn.execute(
        text(
            "SELECT set_config('samverka.tenant_ids', :t, true),"
            " set_config('samverka.user_id', :u, true)"
        ),
        {"t": tenants, "u": user},
    )


def test_every_tenant_table_has_forced_rls_and_a_policy(samverka_database):
    owner = create_engine(samverka_database.owner_url)
    with owner.connect() as conn:
        tables = rls.tenant_tables(conn)
        assert {"tenant_plugins", "memberships", "testplugin_notes"} <= set(tables)
        # consortium_tenants: consortium membership decides plugin availability platform-wide;
        # sso_domains: the login page finds a domain's organisation before any scope exists.
        assert {"consortium_tenants", "sso_domains"} == rls.DIRECTORY_TABLES, (
            "exempt no tenant data"
        )
        missing = (
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c WHERE c.relname = ANY(:t)"
                    " AND NOT (c.relrowsecurity AND c.relforcerowsecurity"
                    " AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname))"
                ),
                {"t": tables},
            )
            .scalars()
            .all()
        )
    owner.dispose()
    assert missing == [], f"tenant tables without forced row-level security: {missing}"


def test_the_app_role_cannot_bypass_rls(raw_app_connection):
    row = raw_app_connection.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).one()
    assert (row.rolsuper, row.rolbypassrls) == (False, False)
    owner_of = raw_app_connection.scalar(
        text("SELECT tableowner FROM pg_tables WHERE tablename = 'testplugin_notes'")
    )
    assert owner_of != raw_app_connection.scalar(text("SELECT current_user"))


def test_raw_sql_without_scope_sees_nothing(raw_app_connection, seeded):
    assert raw_app_connection.scalar(text("SELECT count(*) FROM testplugin_notes")) == 0
    assert raw_app_connection.scalar(text("SELECT count(*) FROM memberships")) == 0


def test_raw_sql_sees_only_the_scoped_tenant(raw_app_connection, seeded):
    with raw_app_connection.begin():
        scope(raw_app_connection, str(seeded.a.id))
        rows = raw_app_connection.execute(text("SELECT text FROM testplugin_notes")).scalars()
        assert list(rows) == ["sunne"]


def test_scope_ends_with_the_transaction(raw_app_connection, seeded):
    with raw_app_connection.begin():
        scope(raw_app_connection, str(seeded.a.id))
    assert raw_app_connection.scalar(text("SELECT count(*) FROM testplugin_notes")) == 0


def test_database_refuses_a_row_for_another_tenant(raw_app_connection, seeded):
    from sqlalchemy.exc import ProgrammingError

    with pytest.raises(ProgrammingError, match="row-level security"), raw_app_connection.begin():
        scope(raw_app_connection, str(seeded.a.id))
        raw_app_connection.execute(
            text("INSERT INTO testplugin_notes (text, tenant_id) VALUES ('x', :b)"),
            {"b": seeded.b.id},
        )


def test_update_cannot_move_a_row_to_another_tenant(raw_app_connection, seeded):
    from sqlalchemy.exc import ProgrammingError

    with pytest.raises(ProgrammingError, match="row-level security"), raw_app_connection.begin():
        scope(raw_app_connection, str(seeded.a.id))
        raw_app_connection.execute(
            text("UPDATE testplugin_notes SET tenant_id = :b"), {"b": seeded.b.id}
        )


def test_own_memberships_are_readable_by_user_id(raw_app_connection, seeded):
    with raw_app_connection.begin():
        scope(raw_app_connection, "", str(seeded.reader_a.id))
        tenants = raw_app_connection.execute(text("SELECT tenant_id FROM memberships")).scalars()
        assert list(tenants) == [seeded.a.id]


def test_app_refuses_to_start_as_a_bypassing_role(settings, samverka_database):
    from samverka.app import create_app
    from samverka.config import ConfigurationError

    settings.database_url = samverka_database.admin_url  # the superuser
    with pytest.raises(ConfigurationError, match="bypasses row-level security"):
        create_app(settings)


def test_the_session_sends_its_scope_before_raw_sql(db, seeded):
    from samverka.db import TenantScope, set_scope

    def visible():
        return db.execute(text("SELECT text FROM testplugin_notes ORDER BY text")).scalars().all()

    set_scope(db, TenantScope.for_tenant(seeded.a.id))
    assert visible() == ["sunne"]
    set_scope(db, TenantScope.for_tenant(seeded.b.id))  # changed mid-transaction
    assert visible() == ["torsby"]
    set_scope(db, TenantScope((seeded.a.id, seeded.b.id)))
    assert visible() == ["sunne", "torsby"]
    db.commit()  # a new transaction starts with the session's scope again
    assert visible() == ["sunne", "torsby"]
    set_scope(db, TenantScope())
    assert visible() == []


def test_a_pooled_connection_forgets_its_scope(app, db, seeded):
    from samverka.db import TenantScope, set_scope

    set_scope(db, TenantScope.for_tenant(seeded.a.id))
    assert db.execute(text("SELECT count(*) FROM testplugin_notes")).scalar() == 1
    db.commit()
    db.close()
    engine = app.extensions["samverka"].engine
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM testplugin_notes")).scalar() == 0


def test_the_audit_log_has_its_own_policies(samverka_database):
    """Audit entries may have no tenant (platform events): the generic policy would hide them
    and refuse their insert. Its policies: read in scope (0 = platform), append from any
    scope, delete only as the owner past retention, never update."""
    owner = create_engine(samverka_database.owner_url)
    with owner.connect() as conn:
        policies = dict(
            conn.execute(
                text("SELECT policyname, cmd FROM pg_policies WHERE tablename = 'audit_entries'")
            ).all()
        )
    owner.dispose()
    assert policies == {
        "samverka_audit_read": "SELECT",
        "samverka_audit_append": "INSERT",
        "samverka_audit_purge": "DELETE",
    }


def test_tenant_or_platform_tables_have_one_policy_with_the_platform_rule(samverka_database):
    """job_outbox (tenant_id NULL: platform jobs) has the tenant policy with the platform rule,
    coalesce(tenant_id, 0), for reading and writing; the old policy that showed platform rows
    to every scope is gone."""
    assert "job_outbox" in rls.tenant_or_platform_tables()
    owner = create_engine(samverka_database.owner_url)
    with owner.connect() as conn:
        policies = conn.execute(
            text(
                "SELECT policyname, qual, with_check FROM pg_policies"
                " WHERE tablename = 'job_outbox'"
            )
        ).all()
        leftovers = conn.scalar(
            text("SELECT count(*) FROM pg_policies WHERE policyname = 'samverka_platform_rows'")
        )
    owner.dispose()
    assert leftovers == 0
    ((name, using, check),) = policies
    assert name == rls.POLICY
    for clause in (using, check):
        assert "COALESCE(tenant_id, 0) = ANY (samverka_scope_tenants())" in clause
