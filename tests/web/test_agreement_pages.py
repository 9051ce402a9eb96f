"""Agreement and pledge pages (list, new, detail, edit, end, follow-up), the public pledge
page without login, the compliance page (with and without evidence, settings, export, the
consortium side by side) and the coordinator's overview on the tenant home page."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from samverka.db import TenantScope, scoped
from samverka.records import services
from samverka.records.models import Record
from samverka.testing.fixtures import csrf_token, form_post
from samverka.workflows.agreements import services as ag


@pytest.fixture
def sv(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    return client


@pytest.fixture
def admin(sv, login, tenant_pair):
    return login(sv, tenant_pair.admin_a)


def records(db, tenant, type_name) -> int:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return db.scalar(
            select(func.count()).select_from(Record).where(Record.type_name == type_name)
        )


def make_pledge(app, db, tenant, user, title, **data):
    today = date.today()
    values = {
        "valid_from": (today - timedelta(days=400)).isoformat(),
        "public_text": f"Offentlig text för {title}",
        "published": True,
        "internal_notes": f"HEMLIGT-{title}",
    } | data
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(tenant.id, user.id)):
        record = ag.create_pledge(
            db,
            title=title,
            data=values,
            activities=[{"description": f"AKTIVITET-{title}", "owner_name": "ENHET-X"}],
            user=user,
        )
        ag.record_follow_up(
            db, record, year=today.year - 1, status="done", text=f"Uppföljt {title}", user=user
        )
        db.commit()
        return record.id


def test_an_agreement_is_created_edited_and_ended_through_the_pages(admin, app, db, tenant_pair):
    url = "/t/sunne/agreements/new"
    response = form_post(
        admin,
        url,
        {
            "title": "Överenskommelse 2026",
            "valid_from": "2026-01-01",
            "valid_to": "2025-12-31",
            "parties": "sunne\nPolisområde Värmland",
        },
    )
    assert response.status_code == 422
    assert "Slutdatumet kan inte vara före startdatumet." in response.get_data(as_text=True)
    assert records(db, tenant_pair.a, ag.AGREEMENT_TYPE) == 0
    response = form_post(
        admin,
        url,
        {
            "title": "Överenskommelse 2026",
            "valid_from": "2026-01-01",
            "valid_to": "2027-12-31",
            "parties": "",
        },
    )
    assert response.status_code == 422
    assert records(db, tenant_pair.a, ag.AGREEMENT_TYPE) == 0
    response = form_post(
        admin,
        url,
        {
            "title": "Överenskommelse 2026",
            "valid_from": "2026-01-01",
            "valid_to": "2027-12-31",
            "review_on": "2026-11-01",
            "parties": "sunne\nPolisområde Värmland",
            "signatories": "Anna Ek; KSO; Sunne kommun; 2026-01-10",
            "problems": "Narkotika\nOtrygghet",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    detail = admin.get(response.location).get_data(as_text=True)
    assert "Polisområde Värmland" in detail and "Anna Ek" in detail and "Narkotika" in detail
    edit_url = response.location + "edit"
    page = admin.get(edit_url).get_data(as_text=True)
    assert "Anna Ek; KSO; Sunne kommun; 2026-01-10" in page
    response = form_post(
        admin,
        edit_url,
        {
            "title": "Överenskommelse 2026 (rev)",
            "valid_from": "2026-01-01",
            "until_further_notice": "y",
            "parties": "sunne\nPolisen",
        },
    )
    assert response.status_code == 302
    assert "Polisen" in admin.get(response.location).get_data(as_text=True)
    response = form_post(admin, response.location + "end", {"ended_on": "2026-06-30"})
    assert response.status_code == 302
    listing = admin.get("/t/sunne/agreements/").get_data(as_text=True)
    assert "Överenskommelse 2026 (rev)" in listing


def test_a_pledge_is_created_and_followed_up(admin, db, tenant_pair):
    response = form_post(
        admin,
        "/t/sunne/pledges/new",
        {
            "title": "Medborgarlöfte 2026",
            "valid_from": "2026-01-01",
            "public_text": "Vi lovar trygghet.",
            "published": "y",
            "activities": "Trygghetsvandring; sunne; Fritid; 2026-05-01",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    detail_url = response.location
    page = admin.get(detail_url).get_data(as_text=True)
    assert "Trygghetsvandring" in page and "Fritid" in page
    bad = form_post(admin, detail_url, {"year": "1999", "status": "done", "text": "x"})
    assert bad.status_code == 422
    response = form_post(
        admin, detail_url, {"year": "2026", "status": "partly", "text": "Halvvägs"}
    )
    assert response.status_code == 302
    assert "Halvvägs" in admin.get(detail_url).get_data(as_text=True)


def test_a_reader_cannot_write_and_an_outsider_sees_nothing(sv, login, app, db, tenant_pair):
    pledge = make_pledge(app, db, tenant_pair.a, tenant_pair.admin_a, "Löfte A")
    login(sv, tenant_pair.reader_a)
    assert sv.get(f"/t/sunne/pledges/{pledge}/").status_code == 200
    assert sv.get("/t/sunne/pledges/new").status_code == 403
    assert sv.get(f"/t/sunne/pledges/{pledge}/edit").status_code == 403
    sv.get("/logout")
    login(sv, tenant_pair.admin_b)
    assert sv.get(f"/t/torsby/pledges/{pledge}/").status_code == 404


def test_the_public_page_shows_only_public_text_of_current_published_pledges(
    client, app, db, tenant_pair
):
    a, user = tenant_pair.a, tenant_pair.admin_a
    make_pledge(app, db, a, user, "Gällande")
    make_pledge(app, db, a, user, "Opublicerat", published=False)
    make_pledge(
        app, db, a, user, "Utgånget", valid_to=(date.today() - timedelta(days=1)).isoformat()
    )
    make_pledge(app, db, tenant_pair.b, tenant_pair.admin_b, "Torsbys")
    classified = make_pledge(app, db, a, user, "Klassat")
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(a.id, user.id)):
        services.update_record(db, db.get(Record, classified), classification="internal", user=user)
        db.commit()
    response = client.get("/offentligt/sunne/medborgarloften")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Gällande" in page and "Offentlig text för Gällande" in page
    assert "Uppföljt Gällande" in page
    hidden_words = ("Opublicerat", "Utgånget", "Torsbys", "Klassat", "HEMLIGT", "AKTIVITET")
    for hidden in (*hidden_words, "ENHET-X"):
        assert hidden not in page
    assert client.get("/offentligt/nowhere/medborgarloften").status_code == 404


def test_compliance_without_and_with_evidence(admin, app, db, tenant_pair):
    page = admin.get("/t/sunne/compliance/").get_data(as_text=True)
    # nothing held yet: every duty is either unanswered or answered as not met
    assert page.count("Inget underlag") + page.count("Inte uppfylld") >= 6
    assert "Uppfylld<" not in page
    response = form_post(
        admin,
        "/t/sunne/compliance/settings",
        {
            "cycle_months": "0",
            "decision_body": "KS",
            "coordination_function": "",
            "coordinator_name": "",
        },
    )
    assert response.status_code == 422
    response = form_post(
        admin,
        "/t/sunne/compliance/settings",
        {
            "cycle_months": "48",
            "decision_body": "Kommunstyrelsen",
            "coordination_function": "Brottsförebyggande rådet",
            "coordinator_name": "Kim Samordnare",
        },
    )
    assert response.status_code == 302
    with (
        app.test_request_context(),
        scoped(db, TenantScope.for_tenant(tenant_pair.a.id, tenant_pair.admin_a.id)),
    ):
        ag.create_agreement(
            db,
            title="Avtal med polisen",
            data={"valid_from": "2024-01-01", "until_further_notice": True},
            parties=[{"tenant": "sunne"}, {"name": "Polisområde Värmland"}],
            user=tenant_pair.admin_a,
        )
        db.commit()
    page = admin.get("/t/sunne/compliance/").get_data(as_text=True)
    assert "Kim Samordnare" in page and "Avtal med polisen" in page and "48" in page
    exported = admin.get("/t/sunne/compliance/compliance.csv")
    assert exported.status_code == 200
    text = exported.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 7
    book = openpyxl.load_workbook(io.BytesIO(admin.get("/t/sunne/compliance/compliance.xlsx").data))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("Avtal med polisen" in str(v) for row in values for v in row)


def test_the_consortium_sees_its_members_side_by_side(sv, login, app, db, tenant_pair):
    from samverka.workflows.compliance import services as compliance

    with app.test_request_context(), scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        compliance.save_settings(
            db, tenant_pair.b, cycle_months=24, coordinator_name="Torsbys samordnare"
        )
        db.commit()
    login(sv, tenant_pair.consortium_admin)
    page = sv.get("/consortia/sutohamu/compliance")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Sunne kommun" in text and "Torsby kommun" in text and "24" in text
    book = openpyxl.load_workbook(io.BytesIO(sv.get("/consortia/sutohamu/compliance.xlsx").data))
    names = {row[0].value for row in book.active.iter_rows(min_row=2)}
    assert names == {"Sunne kommun", "Torsby kommun"}
    sv.get("/logout")
    login(sv, tenant_pair.admin_a)
    assert sv.get("/consortia/sutohamu/compliance").status_code == 404


def test_the_home_page_shows_the_overview(admin, app, db, tenant_pair):
    soon = date.today() + timedelta(days=20)
    with (
        app.test_request_context(),
        scoped(db, TenantScope.for_tenant(tenant_pair.a.id, tenant_pair.admin_a.id)),
    ):
        ag.create_agreement(
            db,
            title="Snart utgånget avtal",
            data={"valid_from": "2024-01-01", "valid_to": soon.isoformat()},
            parties=[{"name": "Polisen"}],
            user=tenant_pair.admin_a,
        )
        db.commit()
    page = admin.get("/t/sunne/").get_data(as_text=True)
    assert "Snart utgånget avtal" in page and soon.isoformat() in page
    assert admin.get("/t/sunne/overview/").status_code == 200


def _selects(statements: list[str]) -> int:
    return sum(s.lstrip().upper().startswith("SELECT") for s in statements)


def test_the_lists_cost_the_same_queries_whatever_their_length(admin, app, db, tenant_pair):
    """Parties and activity owners are resolved in one query, and the pledge page names only
    the owners of its activities: the reads of a form do not grow with its lines."""
    from querykit import counted

    costs = {}
    for size in (1, 8):
        parties = "\n".join(["sunne", "torsby", *[f"Part {i}" for i in range(size)]])
        activities = "\n".join(
            f"Vandring {i}; {'sunne' if i % 2 else 'torsby'}; Fritid; 2026-05-01"
            for i in range(size)
        )
        agreement = {
            "title": f"Överenskommelse {size}",
            "valid_from": "2026-01-01",
            "until_further_notice": "y",
            "parties": parties,
        }
        pledge = {
            "title": f"Löfte {size}",
            "valid_from": "2026-01-01",
            "public_text": "Vi lovar.",
            "activities": activities,
        }
        token = csrf_token(admin.get("/t/sunne/agreements/new").get_data(as_text=True))
        with counted(app) as saving_agreement:
            made = admin.post("/t/sunne/agreements/new", data={**agreement, "csrf_token": token})
        assert made.status_code == 302, made.get_data(as_text=True)[:2000]
        with counted(app) as editing:
            assert admin.get(f"{made.location}edit").status_code == 200
        token = csrf_token(admin.get("/t/sunne/pledges/new").get_data(as_text=True))
        with counted(app) as saving_pledge:
            made = admin.post("/t/sunne/pledges/new", data={**pledge, "csrf_token": token})
        assert made.status_code == 302, made.get_data(as_text=True)[:2000]
        with counted(app) as showing:
            page = admin.get(made.location)
        assert page.status_code == 200 and "Torsby kommun" in page.get_data(as_text=True)
        costs[size] = [_selects(s) for s in (saving_agreement, editing, saving_pledge, showing)]
    print("SELECTs (agreement save, edit page, pledge save, pledge page):", costs)
    assert costs[1] == costs[8]
