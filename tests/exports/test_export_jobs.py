"""Exports as background jobs (``core.export``) through the real outbox, Redis and a worker:
"Skapa export" queues the job, its page shows progress and then the download link, the file
is the requester's alone, a run after a crash leaves one file, expired files are purged."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import openpyxl
import pypdf
import pytest
from babel.dates import format_date
from sqlalchemy import update

from samverka import clock
from samverka.db import TenantScope, scoped
from samverka.exports import export_store
from samverka.exports.jobs import job_token
from samverka.jobs.models import OutboxJob
from samverka.jobs.queue import connect
from samverka.jobs.scheduler import periodic_jobs
from samverka.testing.fixtures import csrf_token
from samverka.testing.jobs import work_jobs


@pytest.fixture
def queue(settings):
    connection = connect(settings)
    connection.flushdb()
    yield connection
    connection.flushdb()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def create_export(client, page: str, kind: str, fmt: str) -> int:
    """Press "Skapa export" on ``page``: the job is queued, the browser sent to its page."""
    html = client.get(page).get_data(as_text=True)
    assert f'name="kind" value="{kind}"' in html and f'name="format" value="{fmt}"' in html
    answer = client.post(
        "/t/sunne/exports/",
        data={"csrf_token": csrf_token(html), "kind": kind, "format": fmt},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    found = re.fullmatch(r"/t/sunne/jobs/(\d+)", answer.headers["Location"])
    assert found, answer.headers["Location"]
    return int(found.group(1))


def job_row(db, tenant, job_id) -> SimpleNamespace:
    """The job's row as it is now (a plain copy: the row leaves the session with the scope)."""
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        row = db.get(OutboxJob, job_id)
        names = ("job", "status", "attempts", "nonce", "progress_done", "progress_total")
        copy = SimpleNamespace(**{n: getattr(row, n) for n in (*names, "progress_message")})
        db.rollback()
        return copy


def stored_files(app, tenant) -> list:
    folder = app.extensions["samverka"].settings.instance_path / "exports" / str(tenant.id)
    return sorted(folder.glob("*.data")) if folder.exists() else []


def test_the_organisation_sheet_is_made_by_a_job_with_progress_and_a_download(
    app, db, client, login, queue, tenant_pair, with_plugins
):
    with_plugins(tenant_pair.a, "testplugin")
    login(client, tenant_pair.reader_a)
    job_id = create_export(client, "/t/sunne/", "tenant.organisation_sheet", "pdf")
    waiting = client.get(f"/t/sunne/jobs/{job_id}.json").get_json()
    assert (waiting["finished"], waiting["download_url"]) == (False, None)
    page = client.get(f"/t/sunne/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-download" data-job-download hidden' in page  # shown by jobs.js when done

    work_jobs(app)  # the dispatcher and a worker, against the real Redis

    row = job_row(db, tenant_pair.a, job_id)
    assert (row.status, row.job) == ("done", "core.export")
    assert (row.progress_done, row.progress_total, row.progress_message) == (1, 1, "Exporting")
    state = client.get(f"/t/sunne/jobs/{job_id}.json").get_json()
    assert state["finished"] and state["percent"] == 100
    url = state["download_url"]
    with app.app_context():  # the file's name: derived from the job, under the secret key
        assert url == f"/t/sunne/exports/files/{job_token(job_id, row.nonce)}"
    page = client.get(f"/t/sunne/jobs/{job_id}").get_data(as_text=True)
    assert f'href="{url}" download>Ladda ner exporten</a>' in page
    assert "data-job-download hidden" not in page

    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.get_data())
    for expected in (
        "Organisationsblad – Sunne kommun",
        "Sunne kommun",
        format_date(clock.today(), "long", locale="sv"),  # the Swedish day, e.g. "5 maj 2026"
        "Klassificering: INTERN",
        "Testmodul",
        "Sida 1 av 1",
    ):
        assert expected in text, expected
    assert "Torsby" not in text


def test_the_export_is_in_the_requesters_language(app, db, client, login, queue, tenant_pair):
    login(client, tenant_pair.reader_a)
    client.get("/language/en")
    job_id = create_export(client, "/t/sunne/", "tenant.organisation_sheet", "pdf")
    work_jobs(app)
    url = client.get(f"/t/sunne/jobs/{job_id}.json").get_json()["download_url"]
    text = pdf_text(client.get(url).get_data())
    assert "Organisation sheet – Sunne kommun" in text
    assert "Classification: INTERNAL" in text and "Page 1 of 1" in text


def test_only_the_requester_downloads_and_never_from_another_tenant(
    app, db, client, login, queue, tenant_pair
):
    login(client, tenant_pair.admin_a)
    job_id = create_export(client, "/t/sunne/", "tenant.organisation_sheet", "pdf")
    work_jobs(app)
    url = client.get(f"/t/sunne/jobs/{job_id}.json").get_json()["download_url"]
    assert client.get(url).status_code == 200
    token = url.rsplit("/", 1)[1]
    login(client, tenant_pair.admin_b)  # Torsby's administrator, with the link
    assert client.get(url).status_code == 404
    assert client.get(f"/t/torsby/exports/files/{token}").status_code == 404
    assert client.get(f"/t/torsby/jobs/{job_id}.json").status_code == 404
    login(client, tenant_pair.reader_a)  # Sunne's reader: same tenant, not the requester
    assert client.get(url).status_code == 404
    assert client.get(f"/t/sunne/jobs/{job_id}.json").get_json()["download_url"] is None


def test_a_run_after_a_crash_leaves_one_file(app, db, client, login, queue, tenant_pair):
    """As if the worker died after writing the file, before the job was marked done: the job
    runs again and finds its file instead of making a second one."""
    login(client, tenant_pair.admin_a)
    job_id = create_export(client, "/t/sunne/", "tenant.organisation_sheet", "pdf")
    work_jobs(app)
    (first,) = stored_files(app, tenant_pair.a)
    made = first.stat().st_mtime_ns
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        db.execute(
            update(OutboxJob)
            .where(OutboxJob.id == job_id)
            .values(status="pending", finished_at=None, available_at=datetime.now(UTC))
        )
        db.commit()
    assert work_jobs(app) == 1  # dispatched and run a second time
    row = job_row(db, tenant_pair.a, job_id)
    assert (row.status, row.attempts) == ("done", 2)
    assert stored_files(app, tenant_pair.a) == [first]
    assert first.stat().st_mtime_ns == made  # found, not made again
    assert client.get(f"/t/sunne/jobs/{job_id}.json").get_json()["download_url"]


def test_a_long_member_list_is_offered_as_a_job(
    app, db, client, login, queue, tenant_pair, monkeypatch
):
    from samverka.web import exports as web_exports

    login(client, tenant_pair.admin_a)
    assert 'href="/t/sunne/exports/members.csv"' in client.get("/t/sunne/admin/members").text
    monkeypatch.setattr(web_exports, "INLINE_ROWS", 1)
    page = client.get("/t/sunne/admin/members").text
    assert 'href="/t/sunne/exports/members.csv"' not in page
    job_id = create_export(client, "/t/sunne/admin/members", "tenant.members", "xlsx")
    work_jobs(app)
    row = job_row(db, tenant_pair.a, job_id)
    assert (row.progress_done, row.progress_total) == (2, 2)  # rows written
    url = client.get(f"/t/sunne/jobs/{job_id}.json").get_json()["download_url"]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url).get_data())).active
    assert {r[1] for r in sheet.iter_rows(min_row=2, values_only=True)} == {
        "admin@sunne.test",
        "reader@sunne.test",
    }


def test_requests_need_the_kinds_permission_and_a_known_kind_and_format(
    app, db, client, login, queue, tenant_pair
):
    login(client, tenant_pair.reader_a)
    token = csrf_token(client.get("/t/sunne/").text)
    for kind, fmt, status in [
        ("tenant.members", "csv", 403),  # a reader may not see the member list
        ("no.such", "csv", 404),
        ("tenant.organisation_sheet", "csv", 404),
        ("tenant.organisation_sheet", "exe", 404),
    ]:
        answer = client.post(
            "/t/sunne/exports/", data={"csrf_token": token, "kind": kind, "format": fmt}
        )
        assert answer.status_code == status, (kind, fmt)
    no_csrf = {"kind": "tenant.organisation_sheet", "format": "pdf"}
    assert client.post("/t/sunne/exports/", data=no_csrf).status_code == 400
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        assert db.query(OutboxJob).count() == 0
        db.rollback()
    assert work_jobs(app) == 0


def test_the_request_is_audited(app, db, client, login, queue, tenant_pair):
    from sqlalchemy import select

    from samverka.audit import AuditEntry

    login(client, tenant_pair.reader_a)
    job_id = create_export(client, "/t/sunne/", "tenant.organisation_sheet", "pdf")
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        entry = db.execute(
            select(
                AuditEntry.actor_user_id,
                AuditEntry.target_type,
                AuditEntry.target_id,
                AuditEntry.details,
            ).where(AuditEntry.action == "export.requested")
        ).one()
        db.rollback()
    assert tuple(entry) == (
        tenant_pair.reader_a.id,
        "job",
        str(job_id),
        {"kind": "tenant.organisation_sheet", "format": "pdf"},
    )


def test_the_scheduler_purges_expired_exports(app, db, tenant_pair):
    store = export_store(app.extensions["samverka"].settings.instance_path)
    past = datetime.now(UTC) - timedelta(days=8)
    with store.create(tenant_pair.a.id, "gammal.csv", "text/csv", now=past) as old:
        old.file.write(b"old")
    with store.create(tenant_pair.b.id, "ny.csv", "text/csv") as new:
        new.file.write(b"new")
    with app.app_context():
        (purge,) = [
            job
            for job in periodic_jobs(app.extensions["samverka"].host)
            if job.name == "core.export_purge"
        ]
        assert purge.every == timedelta(hours=1) and not purge.per_tenant
        assert purge.func(db, datetime.now(UTC)) == 1
    assert stored_files(app, tenant_pair.a) == []
    assert [f.stem for f in stored_files(app, tenant_pair.b)] == [new.stored.token]
