"""Downloads in the web: members and consortium organisations as CSV/Excel, the organisation
sheet as PDF, stored exports made by ``run_export`` served only within their tenant."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pypdf
import pytest

from samverka.db import TenantScope, scoped, set_scope
from samverka.errors import NotFound, ValidationError
from samverka.exports import export_job, export_store, run_export


def csv_rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body[3:].decode(), newline=""), delimiter=";"))


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_members_page_links_to_csv_and_excel_with_their_size(logged_in_client):
    page = logged_in_client.get("/t/sunne/admin/members").get_data(as_text=True)
    assert 'href="/t/sunne/exports/members.csv"' in page
    assert "Ladda ner som CSV (2 medlemmar)" in page
    assert "Ladda ner som Excel (XLSX, 2 medlemmar)" in page


def test_members_as_csv(logged_in_client):
    response = logged_in_client.get("/t/sunne/exports/members.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Medlemmar%20%E2%80%93%20Sunne%20kommun%20" in disposition
    rows = csv_rows(response)
    assert rows[0] == ["Namn", "E-postadress", "Roller"]
    roles = {email: held for _name, email, held in rows[1:]}
    assert roles == {"admin@sunne.test": "Administratör", "reader@sunne.test": "Läsare"}


def test_members_as_excel(logged_in_client):
    response = logged_in_client.get("/t/sunne/exports/members.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.title == "Medlemmar – Sunne kommun"
    assert [c.value for c in sheet[1]] == ["Namn", "E-postadress", "Roller"]
    assert {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        "admin@sunne.test",
        "reader@sunne.test",
    }


def test_members_export_needs_the_members_permission_and_a_role_there(client, login, tenant_pair):
    login(client, tenant_pair.reader_a)
    assert client.get("/t/sunne/exports/members.csv").status_code == 403
    assert client.get("/t/torsby/exports/members.csv").status_code == 404
    login(client, tenant_pair.admin_a)
    assert client.get("/t/sunne/exports/members.pdf").status_code == 404
    assert client.get("/t/torsby/exports/members.xlsx").status_code == 404


def test_consortium_organisations_as_csv_and_excel(client, login, tenant_pair):
    login(client, tenant_pair.consortium_admin)
    page = client.get("/consortia/sutohamu/").get_data(as_text=True)
    assert "Ladda ner som Excel (XLSX, 2 organisationer)" in page
    rows = csv_rows(client.get("/consortia/sutohamu/members.csv"))
    assert rows == [
        ["Namn", "Typ av organisation", "Kommunkod", "Antal invånare"],
        ["Sunne kommun", "Kommun", "1766", "13366"],
        ["Torsby kommun", "Kommun", "1737", "11387"],
    ]
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/consortia/sutohamu/members.xlsx").get_data())
    ).active
    assert sheet["D2"].value == 13366 and sheet["D2"].data_type == "n"
    assert sheet["C2"].value == "1766" and sheet["C2"].data_type == "s"  # a code, not a number


def test_only_the_consortiums_administrators_export_its_organisations(client, login, tenant_pair):
    login(client, tenant_pair.admin_a)
    assert client.get("/consortia/sutohamu/members.csv").status_code == 404


def stored_sheet(app, db, tenant, progress=None, **kwargs):
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant.id)):
        return run_export(
            "tenant.organisation_sheet",
            {"format": "pdf", "locale": "sv"},
            session=db,
            tenant=tenant,
            store=export_store(app.extensions["samverka"].settings.instance_path),
            on_progress=progress,
            **kwargs,
        )


def test_run_export_stores_a_file_that_only_its_tenant_downloads(
    app, db, client, login, tenant_pair
):
    seen: list[tuple[int, int]] = []
    stored = stored_sheet(app, db, tenant_pair.a, lambda done, total: seen.append((done, total)))
    assert seen[-1] == (1, 1)
    assert stored.filename.startswith("Organisationsblad – Sunne kommun ")
    url = f"/t/sunne/exports/files/{stored.token}"
    login(client, tenant_pair.reader_a)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Organisationsblad – Sunne kommun" in pdf_text(response.get_data())[0]
    login(client, tenant_pair.admin_b)  # Torsby's administrator, with the link
    assert client.get(url).status_code == 404
    assert client.get(f"/t/torsby/exports/files/{stored.token}").status_code == 404
    assert client.get("/t/torsby/exports/files/" + "x" * 43).status_code == 404


def test_a_stored_member_list_needs_the_members_permission(app, db, client, login, tenant_pair):
    """The file is served only to those who may see the same data on its page."""
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        stored = run_export(
            "tenant.members",
            {"format": "csv"},
            session=db,
            tenant=tenant_pair.a,
            store=export_store(app.extensions["samverka"].settings.instance_path),
        )
    assert stored.action == "tenant:members:view"
    url = f"/t/sunne/exports/files/{stored.token}"
    login(client, tenant_pair.reader_a)
    assert client.get(url).status_code == 403
    login(client, tenant_pair.admin_a)
    response = client.get(url)
    assert response.status_code == 200 and b"reader@sunne.test" in response.get_data()


def test_run_export_of_a_table_reports_progress(app, db, tenant_pair):
    seen: list[tuple[int, int | None]] = []
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        stored = run_export(
            "tenant.members",
            {"format": "xlsx", "locale": "en"},
            session=db,
            tenant=tenant_pair.a,
            store=export_store(app.extensions["samverka"].settings.instance_path),
            on_progress=lambda done, total: seen.append((done, total)),
        )
        store = export_store(app.extensions["samverka"].settings.instance_path)
        with store.open(store.get(tenant_pair.a.id, stored.token)) as data:
            sheet = openpyxl.load_workbook(data).active
    assert seen == [(2, 2)]
    assert [c.value for c in sheet[1]] == ["Name", "E-mail address", "Roles"]
    assert stored.filename.startswith("Members – Sunne kommun ")


def test_bad_exports_are_refused_and_store_nothing(app, db, tenant_pair):
    folder = app.extensions["samverka"].settings.instance_path / "exports"
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        store = export_store(folder.parent)
        for kind, spec, error in [
            ("no.such", {"format": "csv"}, NotFound),
            ("tenant.members", {"format": "pdf"}, ValidationError),
            ("tenant.members", {"format": "exe"}, ValidationError),
            ("tenant.organisation_sheet", {"format": "csv"}, ValidationError),
        ]:
            with pytest.raises(error):
                run_export(kind, spec, session=db, tenant=tenant_pair.a, store=store)
    assert not folder.exists() or not any(folder.rglob("*.data"))


def test_expired_stored_exports_answer_404(app, db, client, login, tenant_pair):
    from samverka.exports import ExportStore

    instance = app.extensions["samverka"].settings.instance_path
    old = ExportStore(instance / "exports")
    past = datetime.now(UTC) - timedelta(days=8)
    with old.create(tenant_pair.a.id, "gammal.csv", "text/csv", now=past) as pending:
        pending.file.write(b"x")
    login(client, tenant_pair.reader_a)
    assert client.get(f"/t/sunne/exports/files/{pending.stored.token}").status_code == 404


def test_export_job_runs_in_the_jobs_scope(app, tenant_pair):
    """What a job worker calls: the tenant's scope is set the way the runner sets it."""
    from samverka.runtime import db_session

    with app.app_context():
        set_scope(db_session(), TenantScope.for_tenant(tenant_pair.b.id))
        result = export_job(
            tenant_id=tenant_pair.b.id, kind="tenant.members", spec={"format": "csv"}
        )
        store = export_store(app.extensions["samverka"].settings.instance_path)
        with store.open(store.get(tenant_pair.b.id, result["token"])) as data:
            text = data.read().decode("utf-8-sig")
    assert "admin@torsby.test" in text and "sunne" not in text
    assert result["filename"].endswith(".csv")
