"""The documented backup and restore (README, "Backups"): ``pg_dump -Fc`` of a seeded database
(as the read-only BYPASSRLS backup role: the owner's own dump is refused under forced RLS),
``pg_restore`` as the owner into a new one; the app, as its RLS-bound role, sees the same data
per tenant, row-level security is still forced, and ``samverka db check`` passes."""

from __future__ import annotations

import subprocess
from dataclasses import replace

from sqlalchemy import create_engine, func, select, text
from throwaway import APP, OWNER, pg_bin

from samverka import demo, migrate
from samverka.bootstrap import cli
from samverka.db import TenantScope, scoped
from samverka.tenants.models import Membership, Tenant
from samverka.testing.fixtures import create_test_app
from samverka_testplugin import Note

SOURCE, RESTORED = "samverka_backup_source", "samverka_backup_restored"
BACKUP = "samverka_backup"


def seed(application) -> None:
    with application.app_context():
        runtime = application.extensions["samverka"]
        session = runtime.sessions()
        demo.seed(session, runtime.registry)
        for tenant in session.scalars(select(Tenant).where(Tenant.slug.in_(["sunne", "torsby"]))):
            with scoped(session, TenantScope.for_tenant(tenant.id)):
                for n in range(3 if tenant.slug == "sunne" else 1):
                    session.add(Note(text=f"{tenant.slug} note {n}"))
                session.flush()
        session.commit()
        session.close()


def snapshot(application) -> dict[str, tuple[int, list[str]]]:
    """Per tenant, what the app (RLS-bound role, scoped to that tenant) sees."""
    runtime = application.extensions["samverka"]
    session = runtime.sessions()
    seen = {}
    try:
        tenants = session.scalars(select(Tenant).order_by(Tenant.slug)).all()
        assert len(tenants) == len(demo.TENANTS)
        for tenant in tenants:
            with scoped(session, TenantScope.for_tenant(tenant.id)):
                members = session.scalar(select(func.count()).select_from(Membership))
                notes = list(session.scalars(select(Note.text).order_by(Note.text)))
            seen[tenant.slug] = (members, notes)
        with runtime.engine.connect() as conn:  # no scope: RLS hides every tenant row
            assert conn.scalar(text("SELECT count(*) FROM testplugin_notes")) == 0
    finally:
        session.close()
    return seen


def run(*command: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{command[0]}: {result.stderr}"
    return result


def test_dump_restore_and_the_app_sees_the_same(
    own_postgres, own_settings, plugin_host, samverka_plugins, tmp_path
):
    own_postgres.create_database(SOURCE)
    migrate.upgrade(own_postgres.url(OWNER, SOURCE), plugin_host, APP)
    source_settings = replace(
        own_settings,
        database_url=own_postgres.url(APP, SOURCE),
        database_owner_url=own_postgres.url(OWNER, SOURCE),
    )
    source = create_test_app(source_settings, samverka_plugins)
    seed(source)
    before = snapshot(source)
    source.extensions["samverka"].engine.dispose()
    assert before["sunne"][1] == ["sunne note 0", "sunne note 1", "sunne note 2"]
    assert before["torsby"][1] == ["torsby note 0"] and before["sunne"][0] > 0

    dump = tmp_path / "samverka.dump"
    # The owner is bound by the forced row-level security: its dump is refused, not emptied.
    refused = subprocess.run(
        [pg_bin("pg_dump"), "-Fc", "-f", str(dump), *own_postgres.libpq_args(OWNER, SOURCE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0 and "row-level security" in refused.stderr
    # Hence the backup role of the README: read-only, BYPASSRLS.
    admin = create_engine(own_postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {BACKUP} LOGIN BYPASSRLS IN ROLE pg_read_all_data"))
    admin.dispose()
    run(pg_bin("pg_dump"), "-Fc", "-f", str(dump), *own_postgres.libpq_args(BACKUP, SOURCE))
    own_postgres.create_database(RESTORED)
    run(
        pg_bin("pg_restore"),
        "--exit-on-error",
        "--no-owner",
        "--role",
        OWNER,
        *own_postgres.libpq_args(OWNER, RESTORED),
        str(dump),
    )

    owner = create_engine(own_postgres.url(OWNER, RESTORED))
    with owner.connect() as conn:
        forced = dict(
            conn.execute(
                text(
                    "SELECT relname, relforcerowsecurity FROM pg_class WHERE relname IN "
                    "('memberships', 'testplugin_notes')"
                )
            ).all()
        )
    owner.dispose()
    assert forced == {"memberships": True, "testplugin_notes": True}

    restored_settings = replace(
        own_settings,
        database_url=own_postgres.url(APP, RESTORED),
        database_owner_url=own_postgres.url(OWNER, RESTORED),
    )
    restored = create_test_app(restored_settings, samverka_plugins)
    assert snapshot(restored) == before
    # The command itself, on this app (its plugin set includes the test plugin's history).
    checked = restored.test_cli_runner().invoke(cli, ["db", "check"])
    assert checked.exit_code == 0, checked.output
    assert "agree" in checked.output
    restored.extensions["samverka"].engine.dispose()
