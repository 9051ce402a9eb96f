"""Exports through the API: 202 and a job to follow, the worker makes the file, the download
URL only for the token's user, problems for bad kinds and formats (nothing queued)."""

from __future__ import annotations

import io

import pypdf
import pytest
from apikit import bearer

from samverka.db import TenantScope, scoped
from samverka.jobs.models import OutboxJob
from samverka.jobs.queue import connect
from samverka.testing.jobs import work_jobs


@pytest.fixture
def queue(settings):
    connection = connect(settings)
    connection.flushdb()
    yield connection
    connection.flushdb()


def jobs_in(db, tenant) -> int:
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        count = db.query(OutboxJob).count()
        db.rollback()
        return count


def test_an_export_is_accepted_followed_and_downloaded(
    app, client, db, queue, tenant_pair, issue, token_a
):
    answer = client.post(
        "/api/v1/tenants/sunne/exports",
        json={"kind": "tenant.organisation_sheet", "format": "pdf"},
        headers=bearer(token_a),
    )
    assert answer.status_code == 202, answer.get_data(as_text=True)
    job = answer.get_json()
    assert (job["job"], job["status"], job["finished"], job["download_url"]) == (
        "core.export",
        "pending",
        False,
        None,
    )
    location = answer.headers["Location"]
    assert location.endswith(f"/api/v1/tenants/sunne/jobs/{job['id']}")

    work_jobs(app)

    state = client.get(location, headers=bearer(token_a)).get_json()
    assert (state["status"], state["done"], state["total"], state["percent"]) == ("done", 1, 1, 100)
    url = state["download_url"]
    assert url.startswith("/api/v1/tenants/sunne/exports/")
    file = client.get(url, headers=bearer(token_a))
    assert file.status_code == 200 and file.mimetype == "application/pdf"
    assert file.headers["Cache-Control"] == "private, no-store"
    text = pypdf.PdfReader(io.BytesIO(file.get_data())).pages[0].extract_text()
    assert "Organisationsblad – Sunne kommun" in text and "INTERN" in text

    # Another user of Sunne sees the job, not the file; Torsby sees neither.
    reader = issue(tenant_pair.reader_a, tenant_pair.a)
    assert client.get(location, headers=bearer(reader)).get_json()["download_url"] is None
    assert client.get(url, headers=bearer(reader)).status_code == 404
    torsby = issue(tenant_pair.admin_b, tenant_pair.b)
    token = url.rsplit("/", 1)[1]
    for path in (
        f"/api/v1/tenants/torsby/exports/{token}",
        f"/api/v1/tenants/torsby/jobs/{job['id']}",
    ):
        missing = client.get(path, headers=bearer(torsby))
        assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "no.such", "format": "csv"}, "kind"),
        ({"kind": "tenant.members", "format": "exe"}, "format"),
        ({"kind": "tenant.members", "format": "pdf"}, "format"),  # a list is no document
        ({"kind": "tenant.organisation_sheet", "format": "xlsx"}, "format"),
        ({"format": "csv"}, "kind"),
    ],
)
def test_bad_kinds_and_formats_are_problems_and_queue_nothing(
    client, db, queue, tenant_pair, token_a, body, field
):
    answer = client.post("/api/v1/tenants/sunne/exports", json=body, headers=bearer(token_a))
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["type"] == "https://samverka.se/problems/validation"
    assert field in problem["errors"], problem
    assert jobs_in(db, tenant_pair.a) == 0


def test_an_export_needs_the_kinds_permission(client, db, queue, tenant_pair, issue):
    reader = issue(tenant_pair.reader_a, tenant_pair.a)
    answer = client.post(
        "/api/v1/tenants/sunne/exports",
        json={"kind": "tenant.members", "format": "csv"},
        headers=bearer(reader),
    )
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert jobs_in(db, tenant_pair.a) == 0


def test_the_document_describes_exports_and_jobs(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    create = spec["paths"]["/api/v1/tenants/{tenant}/exports"]["post"]
    assert "202" in create["responses"] and "422" in create["responses"]
    assert "Location" in create["responses"]["202"]["headers"]
    problem = create["responses"]["422"]
    assert "$ref" in problem or "application/problem+json" in problem.get("content", {})
    assert "get" in spec["paths"]["/api/v1/tenants/{tenant}/jobs/{job_id}"]
    assert "get" in spec["paths"]["/api/v1/tenants/{tenant}/exports/{token}"]
