"""The whole-tenant archive: built by the job through the real outbox and worker, complete
(manifest checksums, members, the audit chain, the plugins' parts), free of secrets, and
downloadable only by the tenant's own administrators."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

import pytest
from lifecyclekit import CLIENT_SECRET, unzip
from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.db import TenantScope, scoped
from samverka.lifecycle.archive import ArchivePathError, TenantArchive, check_path
from samverka.lifecycle.verify import verify_archive
from samverka.testing.fixtures import form_post
from samverka.testing.jobs import work_jobs


def request_archive_in_the_web(client, login, user, slug="sunne") -> str:
    login(client, user)
    response = form_post(client, f"/t/{slug}/admin/archive/", {})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.location


def test_the_job_builds_a_complete_archive_without_secrets(
    app, db, client, login, queue, tenant_pair, filled, tmp_path
):
    page = request_archive_in_the_web(client, login, tenant_pair.admin_a)
    job_id = int(re.search(r"/archive/(\d+)$", page).group(1))
    before = client.get(f"{page}.json").get_json()
    assert before["finished"] is False and before["download_url"] is None
    assert work_jobs(app) == 1
    state = client.get(f"{page}.json").get_json()
    assert state["status"] == "done" and state["percent"] == 100
    modules = 1 + len(app.extensions["samverka"].host.installed)  # the core, then each plugin
    assert state["done"] == state["total"] == modules
    html = client.get(page).get_data(as_text=True)
    assert state["download_url"] in html

    response = client.get(state["download_url"])
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Arkiv%20%E2%80%93%20Sunne%20kommun" in response.headers["Content-Disposition"]
    data = response.data
    files = unzip(data)

    manifest = json.loads(files["manifest.json"])
    assert manifest["format_version"] == 1
    assert manifest["tenant"] == {"id": tenant_pair.a.id, "slug": "sunne", "name": "Sunne kommun"}
    parts = [p["name"] for p in manifest["parts"]]
    assert parts[0] == "core" and "testplugin" in parts and len(parts) == modules
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json", "README.txt"}
    for path, entry in listed.items():
        assert entry["size"] == len(files[path])
        assert entry["sha256"] == hashlib.sha256(files[path]).hexdigest()
    assert listed["testplugin/greeting.txt"]["part"] == "testplugin"
    assert files["testplugin/greeting.txt"].decode() == "Hej från sunne"
    notes = [json.loads(line)["text"] for line in files["testplugin/notes.jsonl"].splitlines()]
    assert notes == ["första anteckningen", "andra"]  # UTF-8, and only Sunne's
    assert "Granskningsloggen" in files["README.txt"].decode()

    tenant = json.loads(files["core/tenant.json"])
    assert tenant["slug"] == "sunne" and tenant["consortia"][0]["slug"] == "sutohamu"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", tenant["created_at"])
    members = [json.loads(line) for line in files["core/memberships.jsonl"].splitlines()]
    assert {(m["email"], m["role"]) for m in members} == {
        ("admin@sunne.test", "tenant_admin"),
        ("reader@sunne.test", "reader"),
    }
    sso = json.loads(files["core/sso.json"])
    assert sso["provider"]["client_id"] == "sunne-client" and sso["domains"] == ["sunne.test"]
    assert "client_secret" not in sso["provider"]
    token_rows = [json.loads(line) for line in files["core/api_tokens.jsonl"].splitlines()]
    assert [t["name"] for t in token_rows] == ["integration"]
    plugins = json.loads(files["core/plugins.json"])
    assert [p["plugin"] for p in plugins] == ["testplugin"]

    entries = [json.loads(line) for line in files["core/audit/entries.jsonl"].splitlines()]
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert {"member.add", "tenant.archive_request", "plugin.enable"} <= {
        e["action"] for e in entries
    }
    assert all(e["tenant_id"] == tenant_pair.a.id for e in entries)
    jobs = [json.loads(line) for line in files["core/jobs.jsonl"].splitlines()]
    assert [j["job"] for j in jobs] == ["core.tenant_archive"] and "arguments" not in jobs[0]

    # No secret anywhere: not in the zip's bytes, not in any file inside it.
    forbidden = [CLIENT_SECRET, filled.token_hash, filled.token_raw, filled.token_key]
    for blob in [data, *files.values()]:
        for secret in forbidden:
            assert secret.encode() not in blob

    path = tmp_path / "arkiv.zip"
    path.write_bytes(data)
    check = verify_archive(path)
    assert check.ok, check.problems
    assert check.audit_entries == len(entries) and check.tenant == "sunne"

    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == str(job_id))
        ).all()
    assert {"tenant.archive_request", "tenant.archive_download"} <= set(actions)


def test_only_the_tenants_administrators_get_the_archive(
    app, db, client, login, queue, tenant_pair, filled, registry
):
    from samverka.auth import services as accounts

    page = request_archive_in_the_web(client, login, tenant_pair.admin_a)
    work_jobs(app)
    download = client.get(f"{page}.json").get_json()["download_url"]

    coordinator = accounts.create_user(db, "samordnare@sunne.test", "Samordnare", "x" * 20)
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.add_member(db, registry, coordinator, tenant_pair.a, "coordinator")
    db.commit()
    for user, expected in [
        (coordinator, 403),
        (tenant_pair.reader_a, 403),
        (tenant_pair.admin_b, 404),  # no role in Sunne: it does not exist for them
    ]:
        other = app.test_client()
        login(other, user, "x" * 20 if user is coordinator else tenant_pair.password)
        assert other.get(download).status_code == expected, user.email
        assert other.get(page).status_code == expected
        assert other.get("/t/sunne/admin/archive/").status_code == expected
    # Torsby's administrator with Sunne's link inside Torsby: the store finds nothing.
    torsby = login(app.test_client(), tenant_pair.admin_b)
    assert torsby.get(download.replace("/t/sunne/", "/t/torsby/")).status_code == 404
    assert torsby.get(page.replace("/t/sunne/", "/t/torsby/")).status_code == 404


def test_a_job_run_twice_makes_one_archive(app, db, queue, tenant_pair, filled):
    from samverka.exports import export_store
    from samverka.jobs import runner
    from samverka.lifecycle.export import request_archive

    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        job = request_archive(db, tenant_pair.a)
        db.commit()
    work_jobs(app)
    store = export_store(app.extensions["samverka"].settings.instance_path)
    first = store.find_for_job(tenant_pair.a.id, job.id)
    assert first is not None
    from samverka.lifecycle.export import tenant_archive

    running = runner._current.set(runner.RunningJob(job.id, tenant_pair.a.id, job.nonce))
    try:
        with app.app_context():
            assert tenant_archive(tenant_pair.a.id)["token"] == first.token
    finally:
        runner._current.reset(running)
    assert len(list((store.root / str(tenant_pair.a.id)).glob("*.data"))) == 1


def test_paths_must_be_clean_relative_and_used_once(tmp_path):
    class T:
        id, slug, name = 1, "sunne", "Sunne kommun"

    from samverka.clock import utcnow

    for bad in ["/etc/passwd", "../up", "a/../b", "a//b", "a\\b", "", "manifest.json", "./a"]:
        with pytest.raises(ArchivePathError):
            check_path(bad)
    out = io.BytesIO()
    archive = TenantArchive(out, T(), created_at=utcnow())
    archive.add_json("core/x.json", {"å": "ä"})
    with pytest.raises(ArchivePathError):
        archive.add_jsonl("core/x.json", [])
    with pytest.raises(TypeError):
        archive.add_json("core/y.json", {"no": object()})
    archive.close("läs mig")
    names = zipfile.ZipFile(io.BytesIO(out.getvalue())).namelist()
    assert names[-2:] == ["README.txt", "manifest.json"]


def test_verify_archive_names_a_changed_audit_entry(
    app, db, queue, tenant_pair, filled, tmp_path, run_cli
):
    path = tmp_path / "sunne.zip"
    run_cli("tenant", "export", "sunne", "--output", str(path))
    assert verify_archive(path).ok
    result = run_cli("audit", "verify-archive", str(path), ok=True)
    assert "ok" in result.output

    # Change one entry and rewrite the manifest's checksum too: only the chain tells.
    files = unzip(path.read_bytes())
    lines = files["core/audit/entries.jsonl"].decode().splitlines()
    entry = json.loads(lines[1])
    entry["action"] = "member.remove"
    lines[1] = json.dumps(entry, ensure_ascii=False)
    files["core/audit/entries.jsonl"] = ("\n".join(lines) + "\n").encode()
    manifest = json.loads(files["manifest.json"])
    for item in manifest["files"]:
        item["sha256"] = hashlib.sha256(files[item["path"]]).hexdigest()
        item["size"] = len(files[item["path"]])
    files["manifest.json"] = json.dumps(manifest).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as out:
        for name, blob in files.items():
            out.writestr(name, blob)
    result = run_cli("audit", "verify-archive", str(forged), ok=False)
    assert result.exit_code == 1
    assert "line 2 (seq 2)" in result.output and "changed" in result.output

    # Change a file without touching the manifest: the checksum tells.
    files["testplugin/greeting.txt"] = b"Hej"
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as out:
        for name, blob in files.items():
            out.writestr(name, blob)
    check = verify_archive(tampered)
    assert any("testplugin/greeting.txt" in p for p in check.problems)


def test_the_cli_refuses_an_unknown_tenant_and_an_existing_file(
    app, tenant_pair, tmp_path, run_cli
):
    result = run_cli("tenant", "export", "nowhere", "--output", str(tmp_path / "a.zip"), ok=False)
    assert result.exit_code == 1 and "No organisation called nowhere" in result.output
    existing = tmp_path / "b.zip"
    existing.write_bytes(b"keep")
    result = run_cli("tenant", "export", "sunne", "--output", str(existing), ok=False)
    assert result.exit_code == 1 and existing.read_bytes() == b"keep"
