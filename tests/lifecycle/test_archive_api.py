"""``/api/v1/tenants/{tenant}/archive``: queue (202), follow, download; tenant admins only,
and only in the token's own tenant."""

from __future__ import annotations

import json

from lifecyclekit import unzip

from samverka.auth import tokens
from samverka.db import TenantScope, scoped
from samverka.testing.jobs import work_jobs


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def issue(db, user, tenant) -> str:
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        issued = tokens.issue_token(db, user, tenant, name="arkiv")
    db.commit()
    return issued.raw


def test_the_api_queues_follows_and_downloads_the_archive(
    app, db, client, queue, tenant_pair, filled
):
    admin = bearer(filled.token_raw)
    response = client.post("/api/v1/tenants/sunne/archive", json={}, headers=admin)
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert job["status"] == "pending" and job["file_url"] is None
    assert client.get(job["status_url"], headers=admin).get_json()["finished"] is False

    work_jobs(app)
    state = client.get(job["status_url"], headers=admin).get_json()
    assert state["status"] == "done" and state["file_url"].endswith(f"/{job['job_id']}/file")
    download = client.get(state["file_url"], headers=admin)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    manifest = json.loads(unzip(download.data)["manifest.json"])
    assert manifest["tenant"]["slug"] == "sunne"

    reader = bearer(issue(db, tenant_pair.reader_a, tenant_pair.a))
    for url, method in [
        ("/api/v1/tenants/sunne/archive", "post"),
        (job["status_url"], "get"),
        (state["file_url"], "get"),
    ]:
        answer = getattr(client, method)(url, json={} if method == "post" else None, headers=reader)
        assert answer.status_code == 403, url
        assert answer.mimetype == "application/problem+json"

    torsby = bearer(issue(db, tenant_pair.admin_b, tenant_pair.b))
    assert client.get(state["file_url"], headers=torsby).status_code == 404
    other = state["file_url"].replace("/tenants/sunne/", "/tenants/torsby/")
    assert client.get(other, headers=torsby).status_code == 404
    assert client.get("/api/v1/tenants/sunne/archive/99999", headers=admin).status_code == 404
    bad = client.post("/api/v1/tenants/sunne/archive", json={"extra": 1}, headers=admin)
    assert bad.status_code == 422
