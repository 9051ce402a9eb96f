"""The jobs pages: a job's progress (HTML without JavaScript, JSON for the script), failed
jobs for tenant and platform administrators, and Retry: one more attempt through the outbox."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from samverka.db import TenantScope, scoped
from samverka.jobs.queue import connect, get_queue
from samverka.testing.fixtures import csrf_token
from samverka.testing.jobs import work_jobs

sys.path.insert(0, str(Path(__file__).parent.parent / "jobs"))
from jobkit import add_note, notes, outbox_row


@pytest.fixture
def queue(settings):
    connection = connect(settings)
    connection.flushdb()
    yield connection
    connection.flushdb()


def failing_job(app, db, tenant_pair, with_plugins, tmp_path) -> tuple[int, Path]:
    with_plugins(tenant_pair.a, "testplugin")
    app.extensions["samverka"].settings.job_max_attempts = 1
    refuse = tmp_path / "refuse"
    refuse.touch()
    job_id = add_note(app, db, tenant_pair.a, "retried", fail_while=str(refuse))
    work_jobs(app)
    assert outbox_row(db, tenant_pair.a, job_id).status == "failed"
    return job_id, refuse


def retry(client, list_path: str, job_id: int, retry_path: str):
    page = client.get(list_path)
    assert page.status_code == 200
    assert f"{job_id}</span>" in page.text  # listed, with its Retry button
    return client.post(retry_path, data={"csrf_token": csrf_token(page.text)})


def test_a_tenant_admin_retries_a_failed_job(
    app, db, client, login, queue, tenant_pair, with_plugins, tmp_path
):
    job_id, refuse = failing_job(app, db, tenant_pair, with_plugins, tmp_path)
    refuse.unlink()  # the cause is fixed
    login(client, tenant_pair.admin_a)
    answer = retry(client, "/t/sunne/jobs/", job_id, f"/t/sunne/jobs/{job_id}/retry")
    assert answer.status_code == 302
    assert get_queue(queue).count == 1  # handed to RQ at once, after the commit
    work_jobs(app)
    row = outbox_row(db, tenant_pair.a, job_id)
    assert (row.status, row.attempts) == ("done", 2)
    assert notes(db, tenant_pair.a) == ["cause of retried", "retried"]
    assert "Inget jobb har misslyckats." in client.get("/t/sunne/jobs/").text


def test_a_platform_admin_sees_every_tenants_failed_jobs(
    app, db, client, login, queue, tenant_pair, with_plugins, tmp_path
):
    job_id, _refuse = failing_job(app, db, tenant_pair, with_plugins, tmp_path)
    login(client, tenant_pair.platform_admin)
    page = client.get("/admin/jobs/")
    assert tenant_pair.a.name in page.text and "RuntimeError" in page.text
    answer = retry(client, "/admin/jobs/", job_id, f"/admin/jobs/{job_id}/retry")
    assert answer.status_code == 302
    assert outbox_row(db, tenant_pair.a, job_id).status == "pending"
    assert get_queue(queue).count == 1


def test_readers_neither_see_nor_retry_failed_jobs(
    app, db, client, login, queue, tenant_pair, with_plugins, tmp_path
):
    job_id, _refuse = failing_job(app, db, tenant_pair, with_plugins, tmp_path)
    login(client, tenant_pair.reader_a)
    assert client.get("/t/sunne/jobs/").status_code == 403
    assert client.get("/admin/jobs/").status_code == 403
    token = csrf_token(client.get(f"/t/sunne/jobs/{job_id}").text)
    assert (
        client.post(f"/t/sunne/jobs/{job_id}/retry", data={"csrf_token": token}).status_code == 403
    )
    assert outbox_row(db, tenant_pair.a, job_id).status == "failed"


def test_progress_as_html_and_json_in_its_own_tenant_only(
    app, db, client, login, queue, tenant_pair, with_plugins
):
    with_plugins(tenant_pair.a, "testplugin")
    job_id = add_note(app, db, tenant_pair.a, "watched")
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        db.execute(update_progress(7, 20))
        db.commit()
    login(client, tenant_pair.reader_a)
    state = client.get(f"/t/sunne/jobs/{job_id}.json").get_json()
    assert state["done"] == 7 and state["total"] == 20 and state["percent"] == 35
    assert state["text"] == "Räknar: 7 av 20 (35 %)"
    assert state["finished"] is False
    page = client.get(f"/t/sunne/jobs/{job_id}").text
    assert 'aria-live="polite"' in page and 'value="7"' in page
    assert f'href="/t/sunne/jobs/{job_id}"' in page  # without JavaScript: reload to follow
    assert "<script>" not in page
    assert client.get(f"/t/torsby/jobs/{job_id}.json").status_code == 404  # not her tenant
    login(client, tenant_pair.reader_b)
    assert client.get(f"/t/torsby/jobs/{job_id}.json").status_code == 404  # not that tenant's


def update_progress(done: int, total: int):
    from samverka.jobs.models import OutboxJob

    return update(OutboxJob).values(
        status="running", progress_done=done, progress_total=total, progress_message="Counting"
    )
