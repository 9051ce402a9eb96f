"""Deleting a tenant after a grace period: scheduled and cancelled in the web and the CLI,
deleted by the periodic job only when due, with the plugins' ``before_tenant_delete``
called, no row of the tenant left in any table, other tenants untouched, the deletion in
the platform's audit chain and every chain (also the deleted tenant's) still verifying."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text, update

import samverka_testplugin
from samverka.audit.models import AuditEntry
from samverka.audit.scope import all_chains_scope
from samverka.audit.verify import verify_all
from samverka.clock import utcnow
from samverka.db import TenantScope, scoped, set_scope
from samverka.exports import export_store
from samverka.jobs.models import OutboxJob
from samverka.jobs.queue import connect
from samverka.jobs.scheduler import Scheduler, periodic_jobs
from samverka.lifecycle import deletion
from samverka.tenants.models import Tenant
from samverka.testing.fixtures import csrf_token, form_post
from samverka_testplugin import Note

#: Tables with a tenant_id that keep a deleted tenant's rows on purpose.
KEPT = {"audit_entries"}  # the audit trail outlives the tenant; retention purges it


def tenant_row(db, tenant_id: int) -> Tenant | None:
    db.expire_all()
    return db.get(Tenant, tenant_id)


def schedule(app, db, tenant, days: int = 30) -> None:
    with app.app_context():
        deletion.schedule_deletion(db, tenant, confirm=tenant.slug, grace=timedelta(days=days))
        db.commit()


def make_due(db, tenant) -> None:
    """As if the grace period had passed."""
    db.execute(
        update(Tenant)
        .where(Tenant.id == tenant.id)
        .values(deletion_due_at=utcnow() - timedelta(minutes=1))
    )
    db.commit()


def run_periodic_deletions(app, settings) -> None:
    """What the scheduler's leader does each hour: the periodic job in its own session,
    scoped to every tenant."""
    scheduler = Scheduler(app, connect(settings))
    with app.app_context():
        jobs = periodic_jobs(app.extensions["samverka"].host)
        (job,) = [j for j in jobs if j.name == "core.tenant_deletions"]
        assert job.every == timedelta(hours=1)
        scheduler._run(job)


def rows_left(app, tenant_id: int) -> dict[str, int]:
    """Rows whose tenant_id names the tenant, in every table that has that column (read
    from the database, so plugins' tables count too), under an explicit scope of it."""
    session = app.extensions["samverka"].sessions()
    try:
        set_scope(session, TenantScope((tenant_id, 0)))
        tables = [
            name
            for name in inspect(session.get_bind()).get_table_names()
            if "tenant_id" in {c["name"] for c in inspect(session.get_bind()).get_columns(name)}
        ]
        counts = {
            name: session.execute(
                text(f'SELECT count(*) FROM "{name}" WHERE tenant_id = :t'), {"t": tenant_id}
            ).scalar()
            for name in tables
        }
        session.rollback()
        return counts
    finally:
        session.close()


def test_the_periodic_job_deletes_a_due_tenant_and_everything_it_owns(
    app, db, settings, tenant_pair, filled, queue
):
    a, b = tenant_pair.a, tenant_pair.b
    a_id, b_id = a.id, b.id
    store = export_store(settings.instance_path)
    with store.create(a_id, "gammal.zip", "application/zip") as pending:
        pending.file.write(b"old export")
    schedule(app, db, a)
    before = rows_left(app, a_id)
    assert {
        "memberships",
        "api_tokens",
        "sso_providers",
        "sso_domains",
        "consortium_tenants",
        "tenant_plugins",
        "job_outbox",
        "testplugin_notes",
        "audit_entries",
        "audit_reviews",
    } <= set(before), "the walk must see every tenant table"
    assert before["testplugin_notes"] == 2 and before["job_outbox"] >= 1  # the admin's mail
    torsby_before = rows_left(app, b_id)
    samverka_testplugin.RELEASED.clear()

    run_periodic_deletions(app, settings)  # not due yet: nothing happens
    assert tenant_row(db, a_id) is not None and samverka_testplugin.RELEASED == []

    make_due(db, a)
    run_periodic_deletions(app, settings)
    assert tenant_row(db, a_id) is None
    assert [(a_id, 2)] == samverka_testplugin.RELEASED  # called in the tenant's scope
    left = rows_left(app, a_id)
    assert {name: n for name, n in left.items() if n and name not in KEPT} == {}
    assert left["audit_entries"] > 0  # the tenant's chain is kept
    assert rows_left(app, b_id) == torsby_before
    assert not (store.root / str(a_id)).exists()  # its stored exports went after the commit

    with scoped(db, all_chains_scope(db)):
        deleted = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "tenant.delete").order_by(AuditEntry.id)
        ).all()
        assert [(e.tenant_id, e.target_id, e.actor_kind) for e in deleted] == [
            (None, str(a_id), "system"),
            (a_id, str(a_id), "system"),
        ]
        assert deleted[0].details == {"slug": "sunne"}
    reports = verify_all(db)
    assert {r.chain for r in reports} >= {"platform", f"t{a_id}", f"t{b_id}"}
    assert [r.chain for r in reports if r.broken] == []


def test_a_plugin_that_refuses_keeps_its_tenant_and_the_others_go_on(
    app, db, settings, tenant_pair, filled
):
    a, b = tenant_pair.a, tenant_pair.b
    b_id = b.id
    with scoped(db, TenantScope.for_tenant(a.id)):
        db.add(Note(text=samverka_testplugin.REFUSE_DELETION))
        db.commit()
    schedule(app, db, a)
    schedule(app, db, b)
    make_due(db, a)
    make_due(db, b)
    notes_before = rows_left(app, a.id)["testplugin_notes"]
    run_periodic_deletions(app, settings)
    assert tenant_row(db, a.id) is not None  # rolled back: tried again next hour
    assert rows_left(app, a.id)["testplugin_notes"] == notes_before
    assert tenant_row(db, b_id) is None


def test_scheduling_and_cancelling_in_the_platform_admin_pages(
    app, db, client, login, tenant_pair, queue
):
    a = tenant_pair.a
    login(client, tenant_pair.platform_admin)
    listing = client.get("/admin/tenants").get_data(as_text=True)
    assert "Sunne kommun" in listing and "Torsby kommun" in listing

    page = "/admin/tenants/sunne/delete"
    for wrong in ["torsby", "Sunne", ""]:
        response = form_post(client, page, {"confirm": wrong})
        assert response.status_code == 422, wrong
        assert tenant_row(db, a.id).deletion_due_at is None
    assert "sunne" in response.get_data(as_text=True)

    response = form_post(client, page, {"confirm": "sunne"})
    assert response.status_code == 302
    row = tenant_row(db, a.id)
    due = row.deletion_due_at
    assert abs((due - utcnow().replace(tzinfo=due.tzinfo)) - timedelta(days=30)) < timedelta(
        minutes=5
    )
    assert row.deletion_requested_by == tenant_pair.platform_admin.id
    with scoped(db, TenantScope.for_tenant(a.id)):
        mails = db.scalars(select(OutboxJob).where(OutboxJob.job == "core.send_mail")).all()
    assert len(mails) == 1  # to Sunne's one administrator
    with scoped(db, all_chains_scope(db)):
        scheduled = db.scalars(
            select(AuditEntry.tenant_id).where(AuditEntry.action == "tenant.deletion_schedule")
        ).all()
    assert sorted(scheduled, key=str) == sorted([None, a.id], key=str)

    day = due.date().isoformat()
    assert day in client.get(page).get_data(as_text=True)
    for user in (tenant_pair.reader_a, tenant_pair.admin_a):
        member = login(app.test_client(), user)
        assert f"will be deleted on {day}" in member.get("/t/sunne/").get_data(as_text=True) or (
            f"raderas {day}" in member.get("/t/sunne/").get_data(as_text=True)
        )
        assert member.get("/admin/tenants").status_code == 403
    torsby = login(app.test_client(), tenant_pair.admin_b)
    assert day not in torsby.get("/t/torsby/").get_data(as_text=True)

    # scheduling again changes nothing (the page offers only the cancellation)
    token = csrf_token(client.get(page).get_data(as_text=True))
    assert client.post(page, data={"confirm": "sunne", "csrf_token": token}).status_code == 200
    assert tenant_row(db, a.id).deletion_due_at == due

    response = client.post("/admin/tenants/sunne/cancel-deletion", data={"csrf_token": token})
    assert response.status_code == 302 and tenant_row(db, a.id).deletion_due_at is None
    response = client.post("/admin/tenants/sunne/cancel-deletion", data={"csrf_token": token})
    assert response.status_code == 302 and tenant_row(db, a.id).deletion_due_at is None
    assert client.get("/admin/tenants/nowhere/delete").status_code == 404


def test_the_cli_schedules_cancels_and_deletes_at_once(app, db, tenant_pair, run_cli):
    a = tenant_pair.a
    a_id = a.id
    result = run_cli("tenant", "delete", "nowhere", ok=False)
    assert result.exit_code == 1 and "No organisation called nowhere" in result.output
    result = run_cli("tenant", "cancel-deletion", "sunne", ok=False)
    assert result.exit_code == 1 and "No deletion of Sunne kommun is scheduled" in result.output

    result = run_cli("tenant", "delete", "sunne", "--grace-days", "7", "--json")
    assert '"deleted": false' in result.output
    due = tenant_row(db, a.id).deletion_due_at
    assert due is not None
    result = run_cli("tenant", "delete", "sunne", ok=False)
    assert result.exit_code == 1 and "already scheduled" in result.output
    assert tenant_row(db, a.id).deletion_due_at == due
    run_cli("tenant", "cancel-deletion", "sunne")
    assert tenant_row(db, a.id).deletion_due_at is None
    result = run_cli("tenant", "delete", "sunne", "--grace-days", "-1", ok=False)
    assert result.exit_code != 0 and tenant_row(db, a.id) is not None

    result = run_cli("tenant", "delete", "sunne", "--grace-days", "0")
    assert "Deleted tenant sunne" in result.output
    assert tenant_row(db, a_id) is None
    assert tenant_row(db, tenant_pair.b.id) is not None
    result = run_cli("tenant", "delete", "sunne", "--grace-days", "0", ok=False)
    assert result.exit_code == 1 and "No organisation called sunne" in result.output
    with scoped(db, all_chains_scope(db)):
        actor = db.scalar(
            select(AuditEntry.actor_kind).where(
                AuditEntry.action == "tenant.delete", AuditEntry.tenant_id.is_(None)
            )
        )
    assert actor == "operator"


@pytest.mark.parametrize("grace", [0, -1])
def test_the_grace_period_setting_must_be_a_day_or_more(tmp_path, grace):
    from samverka.config import ConfigurationError, Settings

    with pytest.raises(ConfigurationError, match="TENANT_DELETION_GRACE_DAYS"):
        Settings(instance_path=tmp_path, tenant_deletion_grace_days=grace).with_defaults()
