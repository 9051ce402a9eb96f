"""The review page for tenant administrators, its filters, pages and CSV export, and the
API route: each read is recorded, B never sees A's entries."""

from __future__ import annotations

import csv
import io

import pytest

from samverka.audit import record_event
from samverka.auth import tokens
from samverka.db import TenantScope, scoped
from samverka.testing.fixtures import csrf_token

URL = "/t/sunne/admin/audit/"


@pytest.fixture
def history(db, tenant_pair):
    """Sunne: 60 reads by its reader, a denied one, a formula-looking target; Torsby: one."""
    a, b = tenant_pair.a.id, tenant_pair.b.id
    for n in range(60):
        record_event(db, "record.read", tenant_id=a, target_type="record", target_id=n)
    record_event(
        db, "record.update", tenant_id=a, target_type="record", target_id="=1+1", outcome="denied"
    )
    record_event(db, "record.read", tenant_id=b, target_type="record", target_id="torsby-secret")
    db.commit()
    return tenant_pair


@pytest.fixture
def admin(client, login, history):
    login(client, history.admin_a)
    return client


def test_only_administrators_see_the_page(client, login, history):
    login(client, history.reader_a)
    assert client.get(URL).status_code == 403


def test_the_page_lists_newest_first_in_pages(admin, entries):
    page = admin.get(URL)
    assert page.status_code == 200
    html = page.text
    assert "Granskningslogg" in html
    assert "=1+1" in html and "torsby-secret" not in html
    assert "Äldre poster" in html
    older = admin.get(URL + "?before=" + html.split("before=")[1].split('"')[0])
    assert older.status_code == 200 and "record.read" in older.text
    reads = [e for e in entries() if e["action"] == "audit.read"]
    assert len(reads) == 2 and reads[0]["actor_kind"] == "user"


def test_filters_narrow_the_entries(admin):
    html = admin.get(URL + "?outcome=denied").text
    assert "=1+1" in html and "record.read</code>" not in html
    html = admin.get(URL + "?action=record.update").text
    assert "record.update</code>" in html and "record.read</code>" not in html
    html = admin.get(URL + "?target_type=record&target_id=7").text
    assert html.count("<code>record.read</code>") == 1
    html = admin.get(URL + "?actor=nobody%40example.se").text
    assert "Inga poster matchar." in html
    assert admin.get(URL + "?start=not-a-date").status_code == 422
    assert admin.get(URL + "?target_type=Anna+Andersson").status_code == 200  # not stored


def test_the_csv_export_is_filtered_streamed_and_injection_safe(admin, entries):
    response = admin.get(URL + "export.csv?target_type=record")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.is_streamed
    body = response.get_data(as_text=True)
    response.close()
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "occurred_at", "action"]
    targets = {row[10] for row in rows[1:]}
    assert "'=1+1" in targets and "=1+1" not in targets and "torsby-secret" not in targets
    assert len(rows) == 1 + 61
    assert [e["action"] for e in entries()][-1] == "audit.export"


def test_tenant_b_sees_none_of_a(client, login, history):
    login(client, history.admin_b)
    assert client.get(URL).status_code == 404
    html = client.get("/t/torsby/admin/audit/").text
    assert "torsby-secret" in html and "=1+1" not in html


def test_a_sample_is_reviewed_and_that_is_recorded(app, db, admin, history, entries):
    from samverka import clock
    from samverka.audit.reviews import due_sample_reviews

    drawn = due_sample_reviews(db, clock.now())
    db.commit()
    mine = next(r for r in drawn if r.tenant_id == history.a.id)
    assert len(mine.entry_ids) == 20
    html = admin.get(URL).text
    assert "Stickprovsgranskning" in html and "Markera stickprovet som granskat" in html
    token = csrf_token(html)
    response = admin.post(f"{URL}reviews/{mine.id}", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Inget stickprov väntar på granskning." in admin.get(URL).text
    done = [e for e in entries() if e["action"] == "audit.review_complete"]
    assert done and done[0]["actor_user_id"] == history.admin_a.id
    again = admin.post(f"{URL}reviews/{mine.id}", data={"csrf_token": token})
    assert again.status_code == 404
    assert due_sample_reviews(db, clock.now()) == []  # not due again yet


def test_the_api_lists_filters_and_pages(client, db, history, entries):
    with scoped(db, TenantScope.for_tenant(history.a.id)):
        raw = tokens.issue_token(db, history.admin_a, history.a, name="audit").raw
    db.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    url = "/api/v1/tenants/sunne/audit?limit=25&target_type=record"
    first = client.get(url, headers=headers)
    assert first.status_code == 200, first.text
    body = first.get_json()
    assert len(body["items"]) == 25 and body["next"]
    assert "target_type=record" in body["next"]
    seen = [i["id"] for i in body["items"]]
    while body["next"]:
        body = client.get(body["next"], headers=headers).get_json()
        seen += [i["id"] for i in body["items"]]
    assert len(seen) == len(set(seen)) == 61 and seen == sorted(seen, reverse=True)
    denied = client.get("/api/v1/tenants/sunne/audit?outcome=denied", headers=headers).get_json()
    assert [i["target_id"] for i in denied["items"]] == ["=1+1"]
    assert client.get("/api/v1/tenants/torsby/audit", headers=headers).status_code == 404
    reads = [e for e in entries() if e["action"] == "audit.read"]
    assert reads and reads[-1]["actor_kind"] == "token"


def test_a_reader_token_may_not_read_the_log(client, db, history):
    with scoped(db, TenantScope.for_tenant(history.a.id)):
        raw = tokens.issue_token(db, history.reader_a, history.a, name="x").raw
    db.commit()
    response = client.get("/api/v1/tenants/sunne/audit", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 403
