"""The records pages with the test client: list, new record, detail, edit with a stale
version, delete and restore, shares, versions and their diff, attachments; bad input gives a
Swedish error and changes nothing; a receiver reads only; a non-member gets 404."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from samverka.audit.models import AuditEntry
from samverka.db import TenantScope, scoped
from samverka.records import services
from samverka.records.models import Attachment, Record, RecordShare, RecordVersion
from samverka.testing.fixtures import csrf_token, form_post

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def sv(client):
    """Swedish pages whatever the test client's headers say."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    return client


@pytest.fixture
def admin(sv, login, tenant_pair):
    return login(sv, tenant_pair.admin_a)


def make(app, db, tenant, user, title, classification="internal", **data):
    """A record of ``tenant`` made through the services (as its user)."""
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(tenant.id, user.id)):
        record = services.create_record(
            db,
            record_type="core.document",
            title=title,
            data={"body": f"Text om {title}", "contact_person": "Anna Andersson", **data},
            classification=classification,
            user=user,
        )
        db.commit()
        return record.id


def share(app, db, record_id, owner, user, **kwargs):
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(owner.id, user.id)):
        record = db.get(Record, record_id)
        found = services.share_record(db, record, user=user, **kwargs)
        db.commit()
        return found.id


def count(db, model, **where) -> int:
    db.expire_all()
    with _all(db):
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.scalar(query)


def _all(db):
    from samverka.tenants.models import Tenant

    ids = tuple(db.scalars(select(Tenant.id)))
    return scoped(db, TenantScope(ids))


def audit_actions(db) -> list[str]:
    db.expire_all()
    with _all(db):
        return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def text(response) -> str:
    return response.get_data(as_text=True)


# -- list ------------------------------------------------------------------------------------


def test_nav_and_list_show_own_and_shared_records(app, db, admin, tenant_pair):
    pair = tenant_pair
    make(app, db, pair.a, pair.admin_a, "Lägesbild Sunne", "confidential")
    theirs = make(app, db, pair.b, pair.admin_b, "Torsbys rapport")
    make(app, db, pair.b, pair.admin_b, "Torsbys hemliga")
    share(app, db, theirs, pair.b, pair.admin_b, tenant=pair.a)
    work = text(admin.get("/t/sunne/menu/work"))  # the menu's Work group lists the records
    assert 'href="/t/sunne/records/"' in work and "Handlingar" in work
    page = text(admin.get("/t/sunne/records/"))
    assert "Lägesbild Sunne" in page
    assert "Torsbys rapport" in page
    assert "Delad från Torsby kommun" in page
    assert "Torsbys hemliga" not in page
    assert "KONFIDENTIELL" in page  # the classification in words, not colour alone
    # the list shows no field data, and audits the confidential titles it showed, once
    assert "Text om" not in page
    assert audit_actions(db).count("record.list") == 1


def test_filter_by_type_search_and_next_page(app, db, admin, tenant_pair):
    pair = tenant_pair
    for n in range(53):
        make(app, db, pair.a, pair.admin_a, f"Rapport {n:02d}")
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(pair.a.id)):
        services.create_record(
            db,
            record_type="core.minutes",
            title="Protokoll styrgrupp",
            data={"meeting_date": "2026-02-01", "body": "Cykelstölder vid stationen"},
            user=pair.admin_a,
        )
        db.commit()
    first = text(admin.get("/t/sunne/records/"))
    assert "Protokoll styrgrupp" in first and "Rapport 52" in first
    assert "Nästa sida" in first
    link = re.search(r'href="([^"]*after=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    second = text(admin.get(link))
    assert "Rapport 00" in second and "Rapport 52" not in second
    assert "Nästa sida" not in second
    only_minutes = text(admin.get("/t/sunne/records/?type=core.minutes"))
    assert "Protokoll styrgrupp" in only_minutes and "Rapport 01" not in only_minutes
    found = text(admin.get("/t/sunne/records/?q=cykelst%C3%B6lder"))
    assert "Protokoll styrgrupp" in found and "Rapport 01" not in found
    assert "1 handling matchar" in found


def test_list_exports_as_csv_and_xlsx(app, db, admin, tenant_pair):
    make(app, db, tenant_pair.a, tenant_pair.admin_a, "Exporterad", "sensitive")
    csv = admin.get("/t/sunne/records/export.csv")
    assert csv.status_code == 200
    body = csv.get_data().decode("utf-8-sig")
    assert "Exporterad" in body and "Känslig" in body
    xlsx = admin.get("/t/sunne/records/export.xlsx")
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "Exporterad" in values
    assert csv.headers["Cache-Control"] == "private, no-store"
    assert admin.get("/t/sunne/records/export.pdf").status_code == 404


# -- create ----------------------------------------------------------------------------------


def test_create_a_record_through_the_type_choice_and_generated_form(db, admin):
    choose = text(admin.get("/t/sunne/records/new"))
    assert "Dokument" in choose and "Protokoll" in choose
    form = text(admin.get("/t/sunne/records/new/core.document"))
    assert 'name="field_body"' in form and "<textarea" in form
    assert 'name="field_status"' in form and 'type="radio"' in form
    assert '<option value="internal" selected' in form  # the type's default classification
    response = form_post(
        admin,
        "/t/sunne/records/new/core.document",
        {
            "title": "Trygghetsvandring i centrum",
            "classification": "confidential",
            "field_summary": "Kort",
            "field_body": "Rad ett\nRad två",
            "field_document_date": "2026-03-01",
            "field_status": "final",
            "field_contact_person": "Anna Andersson",
        },
    )
    assert response.status_code == 302, text(response)[:2000]
    detail = text(admin.get(response.location))
    assert "Trygghetsvandring i centrum" in detail
    assert "Slutlig" in detail  # the choice's label
    assert "Anna Andersson" in detail  # an administrator may read personal data
    assert "KONFIDENTIELL" in detail


def test_bad_input_shows_swedish_errors_and_stores_nothing(app, db, admin):
    response = form_post(
        admin,
        "/t/sunne/records/new/core.document",
        {
            "title": "",
            "classification": "internal",
            "field_document_date": "igår",
            "field_status": "maybe",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "govuk-error-summary" in page and "Det finns ett problem" in page
    assert 'href="#field_document_date"' in page
    assert "Ange en titel" in page or "titel" in page.lower()
    assert "ÅÅÅÅ-MM-DD" in page
    minutes = form_post(
        admin,
        "/t/sunne/records/new/core.minutes",
        {"title": "Protokoll", "classification": "secret"},
    )
    assert minutes.status_code == 422
    assert "Mötesdatum måste anges" in text(minutes)
    assert count(db, Record) == 0
    assert admin.get("/t/sunne/records/new?type=core.nothing").status_code == 422


def test_a_reader_cannot_create_and_sees_no_personal_data(app, db, sv, login, tenant_pair):
    record_id = make(app, db, tenant_pair.a, tenant_pair.admin_a, "Med personuppgift")
    login(sv, tenant_pair.reader_a)
    assert sv.get("/t/sunne/records/new").status_code == 403
    page = text(sv.get(f"/t/sunne/records/{record_id}"))
    assert "Med personuppgift" in page
    assert "Anna Andersson" not in page
    assert "personuppgifter" in page and 'id="personal-hidden"' in page
    assert sv.get(f"/t/sunne/records/{record_id}/edit").status_code == 403


# -- edit, conflict, versions ----------------------------------------------------------------


def test_edit_versions_and_readable_diff(app, db, admin, tenant_pair):
    record_id = make(app, db, tenant_pair.a, tenant_pair.admin_a, "Första", status="draft")
    response = form_post(
        admin,
        f"/t/sunne/records/{record_id}/edit",
        {
            "title": "Andra",
            "classification": "internal",
            "version": "1",
            "field_body": "Ny text",
            "field_status": "final",
            "field_contact_person": "Anna Andersson",
        },
    )
    assert response.status_code == 302, text(response)[:3000]
    history = text(admin.get(f"/t/sunne/records/{record_id}/versions"))
    assert "Version 2" in history and "Version 1" in history
    diff = text(admin.get(f"/t/sunne/records/{record_id}/versions/2"))
    assert "Titel" in diff and "Första" in diff and "Andra" in diff
    assert "Status" in diff and "Utkast" in diff and "Slutlig" in diff
    assert "Text om Första" in diff and "Ny text" in diff
    assert "Kontaktperson" not in diff  # unchanged
    assert admin.get(f"/t/sunne/records/{record_id}/versions/9").status_code == 404


def test_a_stale_edit_shows_a_conflict_and_keeps_the_input(app, db, admin, tenant_pair):
    record_id = make(app, db, tenant_pair.a, tenant_pair.admin_a, "Ursprunglig")
    form = text(admin.get(f"/t/sunne/records/{record_id}/edit"))
    token = csrf_token(form)
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        record = db.get(Record, record_id)
        services.update_record(db, record, title="Någon annans", user=tenant_pair.admin_a)
        db.commit()
    response = admin.post(
        f"/t/sunne/records/{record_id}/edit",
        data={
            "csrf_token": token,
            "title": "Min ändring",
            "classification": "internal",
            "version": "1",
            "field_body": "Mitt arbete",
        },
    )
    assert response.status_code == 409
    page = text(response)
    assert "Någon annan har sparat" in page
    assert 'value="Min ändring"' in page and "Mitt arbete" in page
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        assert db.get(Record, record_id).title == "Någon annans"
        assert count(db, RecordVersion, record_id=record_id) == 2


# -- delete, wastebasket ---------------------------------------------------------------------


def test_delete_with_confirmation_then_restore_from_the_wastebasket(app, db, admin, tenant_pair):
    record_id = make(app, db, tenant_pair.a, tenant_pair.admin_a, "Ska bort")
    confirm = admin.get(f"/t/sunne/records/{record_id}/delete")
    assert "Ska bort" in text(confirm) and "papperskorgen" in text(confirm)
    done = admin.post(
        f"/t/sunne/records/{record_id}/delete", data={"csrf_token": csrf_token(text(confirm))}
    )
    assert done.status_code == 302
    assert (
        "Ska bort" not in text(admin.get("/t/sunne/records/")).split("<main")[1].split("</h1>")[1]
    )
    assert admin.get(f"/t/sunne/records/{record_id}").status_code == 404
    trash = text(admin.get("/t/sunne/records/trash"))
    assert "Papperskorg" in trash and "Ska bort" in trash
    restored = admin.post(
        f"/t/sunne/records/{record_id}/restore", data={"csrf_token": csrf_token(trash)}
    )
    assert restored.status_code == 302
    assert admin.get(f"/t/sunne/records/{record_id}").status_code == 200


# -- shares ----------------------------------------------------------------------------------


def test_share_with_a_tenant_then_revoke_with_confirmation(app, db, sv, login, tenant_pair):
    record_id = make(app, db, tenant_pair.a, tenant_pair.admin_a, "Delas", "confidential")
    login(sv, tenant_pair.admin_a)
    url = f"/t/sunne/records/{record_id}/shares/new"
    form = text(sv.get(url))
    assert "tenant:torsby" in form and "consortium:sutohamu" in form
    missing = form_post(sv, url, {"receiver": "tenant:torsby", "ground": ""})
    assert missing.status_code == 422
    assert "sekretessgrund" in text(missing) or "grund" in text(missing)
    unknown = form_post(sv, url, {"receiver": "tenant:nowhere", "ground": "OSL 10:2"})
    assert unknown.status_code == 422 and "nowhere" in text(unknown)
    assert count(db, RecordShare) == 0
    made = form_post(
        sv,
        url,
        {"receiver": "tenant:torsby", "ground": "OSL 10 kap. 2 §", "valid_until": "2099-12-31"},
    )
    assert made.status_code == 302, text(made)[:2000]
    detail = text(sv.get(f"/t/sunne/records/{record_id}"))
    assert "Torsby kommun" in detail and "OSL 10 kap. 2 §" in detail
    assert "2099-12-31" in detail and "Aktiv" in detail
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        share_id = db.scalar(select(RecordShare.id))
    revoke_url = f"/t/sunne/records/{record_id}/shares/{share_id}/revoke"
    confirm = text(sv.get(revoke_url))
    assert "Torsby kommun" in confirm
    assert form_post(sv, revoke_url, {"reason": "avslutat"}).status_code == 302
    assert "Återkallad" in text(sv.get(f"/t/sunne/records/{record_id}"))


def test_a_receiver_reads_the_shared_record_only(app, db, sv, login, tenant_pair):
    pair = tenant_pair
    record_id = make(app, db, pair.a, pair.admin_a, "Till Torsby", "confidential")
    share(app, db, record_id, pair.a, pair.admin_a, consortium=pair.consortium, ground="OSL")
    login(sv, pair.admin_b)
    page = text(sv.get(f"/t/torsby/records/{record_id}"))
    assert "Till Torsby" in page and "Delad från Sunne kommun" in page
    assert f"/t/torsby/records/{record_id}/edit" not in page
    assert 'id="shares"' not in page
    assert sv.get(f"/t/torsby/records/{record_id}/edit").status_code == 403
    assert sv.get(f"/t/torsby/records/{record_id}/versions").status_code == 403
    assert sv.get(f"/t/torsby/records/{record_id}/shares/new").status_code == 403
    page = text(sv.get(f"/t/torsby/records/{record_id}/delete"))
    assert sv.get(f"/t/torsby/records/{record_id}/delete").status_code == 403
    # the receiver's read is audited in the owner's log
    with scoped(db, TenantScope.for_tenant(pair.a.id)):
        reads = db.scalars(select(AuditEntry).where(AuditEntry.action == "record.read")).all()
    assert any((e.details or {}).get("viewer_tenant_id") == pair.b.id for e in reads)


def test_a_non_member_gets_404(app, db, sv, login, tenant_pair):
    record_id = make(app, db, tenant_pair.a, tenant_pair.admin_a, "Inte för Torsby")
    login(sv, tenant_pair.admin_b)
    assert sv.get("/t/sunne/records/").status_code == 404
    assert sv.get(f"/t/sunne/records/{record_id}").status_code == 404
    assert sv.get(f"/t/torsby/records/{record_id}").status_code == 404  # not shared


# -- attachments -----------------------------------------------------------------------------


def test_attach_download_and_remove_a_file(app, db, admin, tenant_pair):
    record_id = make(app, db, tenant_pair.a, tenant_pair.admin_a, "Med bilaga", "sensitive")
    detail_url = f"/t/sunne/records/{record_id}"
    page = text(admin.get(detail_url))
    assert "Högst 25 MB" in page
    response = admin.post(
        f"{detail_url}/attachments",
        data={"csrf_token": csrf_token(page), "file": (io.BytesIO(PDF), "rapport.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text(response)[:2000]
    page = text(admin.get(detail_url))
    link = re.search(r'href="(/t/sunne/records/\d+/attachments/\d+)"', page).group(1)
    download = admin.get(link)
    assert download.status_code == 200 and download.get_data() == PDF
    assert download.headers["Cache-Control"] == "private, no-store"
    assert "record.attachment_read" in audit_actions(db)
    removed = admin.post(f"{link}/remove", data={"csrf_token": csrf_token(page)})
    assert removed.status_code == 302
    assert admin.get(link).status_code == 404


def test_bad_attachments_show_a_swedish_error_and_store_nothing(app, db, admin, tenant_pair):
    record_id = make(app, db, tenant_pair.a, tenant_pair.admin_a, "Bilagor")
    detail_url = f"/t/sunne/records/{record_id}"
    token = csrf_token(text(admin.get(detail_url)))

    def upload(payload: bytes, name: str, mimetype: str):
        return admin.post(
            f"{detail_url}/attachments",
            data={"csrf_token": token, "file": (io.BytesIO(payload), name, mimetype)},
            content_type="multipart/form-data",
        )

    wrong_type = upload(b"MZ\x90\x00", "program.exe", "application/x-msdownload")
    assert wrong_type.status_code == 422 and "kan inte bifogas" in text(wrong_type)
    fake_pdf = upload(b"not a pdf at all", "fake.pdf", "application/pdf")
    assert fake_pdf.status_code == 422 and "govuk-error-summary" in text(fake_pdf)
    app.extensions["samverka"].settings.attachment_max_bytes = 1000
    too_big = upload(b"%PDF-" + b"x" * 5000, "stor.pdf", "application/pdf")
    assert too_big.status_code == 422 and "större än" in text(too_big)
    huge = upload(b"%PDF-" + b"x" * (200 * 1024), "enorm.pdf", "application/pdf")
    assert huge.status_code == 413 and "större än" in text(huge)
    assert count(db, Attachment) == 0


# -- PDF -------------------------------------------------------------------------------------


def test_a_record_as_pdf_in_swedish_with_its_marking(app, db, admin, tenant_pair):
    record_id = make(app, db, tenant_pair.a, tenant_pair.admin_a, "Utskrift", "confidential")
    response = admin.get(f"/t/sunne/records/{record_id}/record.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    from pypdf import PdfReader

    content = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.get_data())).pages)
    assert "Utskrift" in content and "KONFIDENTIELL" in content and "Sunne kommun" in content
    assert str(date.today().year) in content
    assert "record.read" in audit_actions(db)


# -- the generated form ----------------------------------------------------------------------


def test_the_form_generator_covers_every_field_kind(app):
    from samverka.records.types import FieldKind, FieldSpec, RecordType
    from samverka.web.records_forms import record_form_class

    kind = RecordType(
        name="core.probe",
        label="Probe",
        fields=(
            FieldSpec("count", FieldKind.INTEGER, "Antal", required=True),
            FieldSpec("share", FieldKind.DECIMAL, "Andel"),
            FieldSpec("checked", FieldKind.BOOLEAN, "Kontrollerad"),
            FieldSpec("level", FieldKind.CHOICE, "Nivå", choices=tuple("abcdefg")),
            FieldSpec("when", FieldKind.DATE, "Datum"),
        ),
    )
    with app.test_request_context(
        "/", method="POST", data={"field_count": "x", "field_checked": "y", "field_level": "c"}
    ):
        form = record_form_class(kind, kind.fields)(meta={"csrf": False})
        html = "".join(str(f()) for f in form.type_fields())
        assert 'type="checkbox"' in html and "<select" in html
        assert form.values() == {
            "count": "x",
            "share": "",
            "checked": True,
            "level": "c",
            "when": "",
        }
        from samverka.records.types import RecordValidationError, validate

        with pytest.raises(RecordValidationError) as caught:
            validate(kind, form.values())
        assert set(caught.value.errors) == {"count"}
