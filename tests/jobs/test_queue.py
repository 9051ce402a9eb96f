"""Jobs on a real Redis: they carry their tenant, and a disabled plugin's jobs do not exist."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from samverka.db import TenantScope, scoped
from samverka.errors import NotFound
from samverka.jobs.queue import enqueue
from samverka.jobs.workers import SimpleWorker
from samverka.plugins import services as plugins
from samverka_testplugin import Note


def work(queue) -> None:
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def notes_of(db, tenant) -> list[str]:
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return list(db.scalars(select(Note.text).order_by(Note.id)))


def test_a_job_runs_inside_its_tenant(app, db, queue, tenant_pair, with_plugins):
    with_plugins(tenant_pair.a, "testplugin")
    with_plugins(tenant_pair.b, "testplugin")
    host = app.extensions["samverka"].host
    job = enqueue(
        queue,
        host,
        frozenset({"testplugin"}),
        tenant_pair.a.id,
        "testplugin.count_notes",
        marker="a",
    )
    work(queue)
    job.refresh()
    assert job.get_status() == "finished", job.latest_result()
    assert job.return_value() == 0
    db.expire_all()
    assert notes_of(db, tenant_pair.a) == ["counted 0 a"]
    assert notes_of(db, tenant_pair.b) == []


def test_a_disabled_plugins_job_cannot_be_queued(app, queue, tenant_pair):
    host = app.extensions["samverka"].host
    with pytest.raises(NotFound):
        enqueue(queue, host, frozenset(), tenant_pair.a.id, "testplugin.count_notes")
    with pytest.raises(NotFound):
        enqueue(queue, host, frozenset({"testplugin"}), tenant_pair.a.id, "testplugin.nosuch")
    assert queue.count == 0


def test_a_job_queued_before_disabling_is_skipped(app, db, queue, tenant_pair, with_plugins):
    with_plugins(tenant_pair.a, "testplugin")
    host = app.extensions["samverka"].host
    job = enqueue(
        queue, host, frozenset({"testplugin"}), tenant_pair.a.id, "testplugin.count_notes"
    )
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        plugins.disable_plugin(db, host, tenant_pair.a, "testplugin")
    db.commit()
    work(queue)
    job.refresh()
    assert job.get_status() == "finished"
    assert job.return_value() is None
    assert notes_of(db, tenant_pair.a) == []
