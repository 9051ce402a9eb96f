"""PostgreSQL: the app role may only append and read (in scope); concurrent appends to one
chain stay one valid chain."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import ProgrammingError

from samverka.audit import AuditEntry, flush_pending, platform_scope, record_event
from samverka.audit.verify import verify_all
from samverka.db import TenantScope, scoped

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def app_conn(app, samverka_database):
    engine = create_engine(samverka_database.app_url)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def scope(conn, tenants: str) -> None:
    conn.execute(text("SELECT set_config('samverka.tenant_ids', :t, true)"), {"t": tenants})


@pytest.fixture
def logged(db, tenant_pair, superuser):
    """One new entry each for Sunne, Torsby and the platform; the fixture's own removed (as
    the superuser) so that counts below are exact."""
    with superuser() as conn:
        conn.execute(text("DELETE FROM audit_entries"))
        conn.execute(text("DELETE FROM audit_chain_heads"))
    record_event(db, "member.add", tenant_id=tenant_pair.a.id, target_type="user", target_id=1)
    record_event(db, "member.add", tenant_id=tenant_pair.b.id, target_type="user", target_id=2)
    record_event(db, "auth.login_failed", tenant_id=None, outcome="failure")
    db.commit()
    return tenant_pair


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET outcome = 'denied'",
        "DELETE FROM audit_entries",
        "TRUNCATE audit_entries",
    ],
)
def test_the_app_role_cannot_change_or_remove_entries(app_conn, logged, statement):
    with pytest.raises(ProgrammingError, match="permission denied"), app_conn.begin():
        scope(app_conn, f"{logged.a.id},{logged.b.id},0")
        app_conn.execute(text(statement))


def test_the_app_role_cannot_purge_young_entries(app_conn, logged):
    """The purge function's floor is in SQL: five years, whatever the caller asks."""
    with app_conn.begin():
        scope(app_conn, f"{logged.a.id}")
        removed = app_conn.scalar(
            text("SELECT samverka_audit_purge(:c, 1000)"), {"c": f"t{logged.a.id}"}
        )
        assert removed == 0
        assert app_conn.scalar(text("SELECT count(*) FROM audit_entries")) == 1


def test_a_tenant_reads_only_its_own_entries(app_conn, logged):
    with app_conn.begin():
        scope(app_conn, str(logged.b.id))
        rows = app_conn.execute(text("SELECT tenant_id, target_id FROM audit_entries")).all()
    assert rows == [(logged.b.id, "2")]


def test_platform_entries_need_the_platform_in_scope(app_conn, logged):
    with app_conn.begin():
        assert app_conn.scalar(text("SELECT count(*) FROM audit_entries")) == 0
        scope(app_conn, str(logged.a.id))
        assert (
            app_conn.scalar(text("SELECT count(*) FROM audit_entries WHERE tenant_id IS NULL")) == 0
        )
        scope(app_conn, "0")
        assert app_conn.execute(text("SELECT action FROM audit_entries")).scalars().all() == [
            "auth.login_failed"
        ]


def test_any_scope_may_append_but_not_read_back(db, logged, entries):
    """A failed log-in is recorded before any scope exists; Sunne's session may append a
    platform-level entry (and one of Torsby's) that it cannot read."""
    with scoped(db, TenantScope.for_tenant(logged.a.id)):
        record_event(db, "auth.login_failed", tenant_id=None, target_id="x", outcome="failure")
        record_event(db, "consortium.tenant_add", tenant_id=logged.b.id, target_id="x")
        db.commit()
        assert db.scalars(select(AuditEntry).where(AuditEntry.target_id == "x")).all() == []
    with scoped(db, platform_scope((logged.b.id,))):
        assert len(db.scalars(select(AuditEntry).where(AuditEntry.target_id == "x")).all()) == 2


def test_the_orm_reads_audit_entries_only_in_scope(db, logged):
    with scoped(db, TenantScope.for_tenant(logged.a.id)):
        assert [e.tenant_id for e in db.scalars(select(AuditEntry))] == [logged.a.id]
    with scoped(db, TenantScope()):
        assert db.scalars(select(AuditEntry)).all() == []


def test_concurrent_appends_to_one_chain_stay_one_chain(app, db, logged):
    """Two sessions append to Sunne's chain at the same time (and to the platform chain);
    the head row serialises them: no duplicate seq, every link valid."""
    sessions = app.extensions["samverka"].sessions
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker(tenant_id: int | None) -> None:
        session = sessions()
        try:
            start.wait()
            for n in range(25):
                record_event(
                    session, "record.read", tenant_id=tenant_id, target_type="record", target_id=n
                )
                session.commit()
        except BaseException as error:
            errors.append(error)
        finally:
            session.close()

    threads = [
        threading.Thread(target=worker, args=(t,)) for t in (logged.a.id, logged.a.id, None, None)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    reports = {r.chain: r for r in verify_all(db)}
    assert reports[f"t{logged.a.id}"].entries == 51
    assert reports["platform"].entries == 51
    assert all(r.broken is None for r in reports.values())


def test_the_lock_waits_for_the_other_transaction(app, db, logged):
    """While one transaction holds Sunne's head (written before its commit), a second append
    waits, then follows it."""
    sessions = app.extensions["samverka"].sessions
    first, second = sessions(), sessions()
    try:
        held = record_event(first, "record.read", tenant_id=logged.a.id)
        flush_pending(first)
        done: list[int] = []

        def append_second() -> None:
            entry = record_event(second, "record.read", tenant_id=logged.a.id)
            flush_pending(second)
            done.append(entry.seq)

        thread = threading.Thread(target=append_second)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive() and done == []  # blocked on the head row
        first.commit()
        thread.join(timeout=10)
        second.commit()
        assert (held.seq, done) == (2, [3])
    finally:
        first.close()
        second.close()
