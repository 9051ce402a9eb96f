"""The transactional outbox on real Redis and the test database: a rollback sends nothing,
dispatching twice queues once, running twice has one effect, failures are retried with
exponential backoff and then fail (retried again from the page)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jobkit import add_note, notes, outbox_row
from sqlalchemy import update

from samverka.clock import utcnow
from samverka.db import TenantScope, scoped
from samverka.jobs import runner
from samverka.jobs.models import OutboxJob
from samverka.jobs.outbox import dispatch_now, enqueue
from samverka.testing.jobs import work_jobs
from samverka_testplugin import Note


def test_a_rolled_back_transaction_dispatches_nothing(app, db, queue, tenant_pair, with_plugins):
    with_plugins(tenant_pair.a, "testplugin")
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        db.add(Note(text="never"))
        enqueue(db, "testplugin.add_note", tenant_id=tenant_pair.a.id, text="never")
        db.rollback()
    assert queue.count == 0
    assert work_jobs(app) == 0
    assert notes(db, tenant_pair.a) == []


def test_the_commit_dispatches_at_once_and_the_job_runs_once(
    app, db, queue, tenant_pair, with_plugins
):
    with_plugins(tenant_pair.a, "testplugin")
    job_id = add_note(app, db, tenant_pair.a, "one")
    assert queue.count == 1  # the after-commit hook handed it to RQ (no database work)
    assert outbox_row(db, tenant_pair.a, job_id).status == "pending"
    assert dispatch_now(app) == 1  # the dispatcher marks it; RQ refused a second copy
    assert queue.count == 1
    assert outbox_row(db, tenant_pair.a, job_id).status == "dispatched"
    assert work_jobs(app) == 0  # nothing left for the dispatcher
    row = outbox_row(db, tenant_pair.a, job_id)
    assert (row.status, row.attempts) == ("done", 1)
    assert notes(db, tenant_pair.a) == ["cause of one", "one"]
    assert notes(db, tenant_pair.b) == []


def test_dispatching_twice_queues_once_and_running_twice_has_one_effect(
    app, db, queue, tenant_pair, with_plugins
):
    with_plugins(tenant_pair.a, "testplugin")
    job_id = add_note(app, db, tenant_pair.a, "once")
    assert dispatch_now(app) == 1
    # As if a dispatcher died after RQ accepted the job but before its mark was committed.
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        db.execute(update(OutboxJob).values(status="pending", attempts=0))
        db.commit()
    assert dispatch_now(app) == 1
    assert queue.count == 1, "the same attempt was queued twice"
    assert outbox_row(db, tenant_pair.a, job_id).status == "dispatched"
    assert runner.run_outbox(job_id, tenant_pair.a.id, 1) == "done"
    assert runner.run_outbox(job_id, tenant_pair.a.id, 1) == "skipped"
    work_jobs(app)  # RQ's own copy runs too
    assert notes(db, tenant_pair.a) == ["cause of once", "once"]


def test_an_idempotency_key_gives_the_same_job(app, db, queue, tenant_pair, with_plugins):
    with_plugins(tenant_pair.a, "testplugin")
    first = add_note(app, db, tenant_pair.a, "keyed", idempotency_key="k-1")
    again = add_note(app, db, tenant_pair.a, "keyed", idempotency_key="k-1")
    assert first == again
    work_jobs(app)
    assert notes(db, tenant_pair.a).count("keyed") == 1


def test_failures_back_off_exponentially_then_fail_without_personal_data(
    app, db, queue, tenant_pair, with_plugins, tmp_path
):
    with_plugins(tenant_pair.a, "testplugin")
    settings = app.extensions["samverka"].settings
    settings.job_max_attempts, settings.job_retry_seconds = 3, 10
    refuse = tmp_path / "refuse"
    refuse.touch()
    job_id = add_note(app, db, tenant_pair.a, "Anna Svensson", fail_while=str(refuse))
    delays = []
    for _attempt in range(3):
        started = utcnow()
        work_jobs(app)
        row = outbox_row(db, tenant_pair.a, job_id)
        if row.status == "pending":
            delays.append((row.available_at.replace(tzinfo=started.tzinfo) - started).seconds)
            with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):  # time passes
                db.execute(update(OutboxJob).values(available_at=utcnow() - timedelta(seconds=1)))
                db.commit()
    assert delays in ([10, 20], [9, 19], [10, 19], [9, 20])  # 10 s, then doubled
    row = outbox_row(db, tenant_pair.a, job_id)
    assert (row.status, row.attempts, row.error_class) == ("failed", 3, "RuntimeError")
    assert "Anna" not in row.error_message
    assert notes(db, tenant_pair.a) == ["cause of Anna Svensson"]  # every attempt rolled back


def test_a_dead_workers_job_is_run_again_after_its_lease(app, db, queue, tenant_pair, with_plugins):
    with_plugins(tenant_pair.a, "testplugin")
    job_id = add_note(app, db, tenant_pair.a, "leased")
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):  # started, then silence
        db.execute(update(OutboxJob).values(status="running", attempts=1, lease_until=utcnow()))
        db.commit()
    queue.empty()
    assert dispatch_now(app) == 1
    assert outbox_row(db, tenant_pair.a, job_id).attempts == 2
    work_jobs(app)
    assert notes(db, tenant_pair.a) == ["cause of leased", "leased"]


def test_progress_is_stored_on_the_row(app, db, queue, tenant_pair):
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        job_id = enqueue(db, "core.count_to", tenant_id=tenant_pair.a.id, n=3, pause=0).id
        db.commit()
    work_jobs(app)
    row = outbox_row(db, tenant_pair.a, job_id)
    assert (row.status, row.progress_done, row.progress_total) == ("done", 3, 3)
    assert row.progress_message == "Counting"


@pytest.mark.postgresql_only
def test_row_level_security_keeps_tenants_jobs_apart(app, db, queue, tenant_pair, with_plugins):
    """In the database, without the ORM: a tenant's scope sees its own jobs only, neither
    another tenant's nor the platform's (NULL tenant); the dispatcher's explicit all-tenants
    and platform scope sees them all. (More in test_platform_scope.py.)"""
    from sqlalchemy import text

    from samverka.db import platform_scope as only_platform
    from samverka.jobs.outbox import platform_scope

    with_plugins(tenant_pair.a, "testplugin")
    add_note(app, db, tenant_pair.a, "a")
    with app.app_context(), scoped(db, only_platform()):
        enqueue(db, "core.send_mail", tenant_id=None, to="x@sunne.test", subject="s", body="b")
        db.commit()
    count = text("SELECT count(*) FROM job_outbox")
    with scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        assert db.scalar(count) == 0
        db.rollback()
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        assert db.scalar(count) == 1
        db.rollback()
    with scoped(db, platform_scope(db)):
        assert db.scalar(count) == 2
        db.rollback()


def test_a_plugins_job_is_refused_where_the_plugin_is_not_enabled(
    app, db, queue, tenant_pair, with_plugins
):
    from samverka import toolkit as api
    from samverka.errors import NotFound

    with_plugins(tenant_pair.a, "testplugin")
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        with pytest.raises(NotFound):
            api.enqueue(db, "testplugin.add_note", tenant_id=tenant_pair.b.id, text="no")
        with pytest.raises(NotFound):
            api.enqueue(db, "testplugin.nosuch", tenant_id=tenant_pair.b.id)
        db.commit()
    assert queue.count == 0
    assert outbox_row(db, tenant_pair.b, 1) is None
