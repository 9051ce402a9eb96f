"""The records API: CRUD, versions, shares, attachments, keyset pages, scoping, problems."""

from __future__ import annotations

import io

import pytest

from samverka.auth import tokens
from samverka.db import TenantScope, scoped

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def issue(db):
    def make(user, tenant) -> dict[str, str]:
        with scoped(db, TenantScope.for_tenant(tenant.id)):
            issued = tokens.issue_token(db, user, tenant, name="test")
        db.commit()
        return {"Authorization": f"Bearer {issued.raw}"}

    return make


@pytest.fixture
def api(client, world, issue):
    class Api:
        a = issue(world.admin_a, world.a)
        reader_a = issue(world.reader_a, world.a)
        b = issue(world.admin_b, world.b)
        reader_b = issue(world.reader_b, world.b)

        def call(self, method, path, who, **kwargs):
            return client.open(
                path, method=method, headers={**who, **kwargs.pop("headers", {})}, **kwargs
            )

    return Api()


A = "/api/v1/tenants/sunne/records"
B = "/api/v1/tenants/torsby/records"


def create(api, who=None, **body):
    body = {"type": "core.document", "title": "Lägesbild", "data": {"body": "Text"}, **body}
    response = api.call("POST", A, who or api.a, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_crud_versions_and_etag(api):
    made = create(api, data={"body": "Första", "contact_person": "Anna"})
    assert made["version"] == 1 and made["owner"] == "sunne" and made["shared"] is False
    path = f"{A}/{made['id']}"
    got = api.call("GET", path, api.a)
    assert got.headers["ETag"] == '"1"' and got.get_json()["data"]["contact_person"] == "Anna"
    assert "contact_person" not in api.call("GET", path, api.reader_a).get_json()["data"]
    changed = api.call(
        "PATCH", path, api.a, json={"data": {"body": "Andra"}}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    stale = api.call("PATCH", path, api.a, json={"title": "X", "version": 1})
    assert stale.status_code == 409 and stale.content_type == "application/problem+json"
    versions = api.call("GET", f"{path}/versions", api.a).get_json()["items"]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["changes"] == [
        {"field": "body", "kind": "changed", "before": "Första", "after": "Andra"}
    ]
    assert api.call("DELETE", path, api.reader_a).status_code == 403
    assert api.call("DELETE", path, api.a).status_code == 204
    assert api.call("GET", path, api.a).status_code == 404
    restored = api.call("POST", f"{path}/restore", api.a)
    assert restored.status_code == 200
    assert api.call("GET", path, api.a).status_code == 200


def test_bad_input_is_a_problem_and_stores_nothing(api):
    cases = [
        {"type": "core.minutes", "title": "Möte", "data": {"body": 3}},
        {"type": "core.nothing", "title": "X"},
        {"type": "core.document", "title": "X", "classification": "secret"},
        {"type": "core.document", "title": "X", "extra": 1},
    ]
    for body in cases:
        response = api.call("POST", A, api.a, json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert response.content_type == "application/problem+json"
    fields = api.call("POST", A, api.a, json=cases[0]).get_json()["errors"]
    assert {"data.body", "data.meeting_date"} <= set(fields)
    assert api.call("GET", A, api.a).get_json()["items"] == []


def test_keyset_pages_and_filters(api):
    ids = [create(api, title=f"Dok {i}")["id"] for i in range(5)]
    create(api, type="core.minutes", title="Möte", data={"meeting_date": "2026-11-30"})
    seen, url = [], f"{A}?limit=2&type=core.document"
    while url:
        page = api.call("GET", url, api.a).get_json()
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
    assert seen == list(reversed(ids))
    bad = api.call("GET", f"{A}?cursor=forged", api.a)
    assert bad.status_code == 400 and bad.content_type == "application/problem+json"


def test_search_through_the_api(api):
    create(api, title="Trygghetsvandring i centrum", data={"body": "Belysning saknas"})
    create(api, title="Annat", data={"body": "Ingenting"})
    found = api.call("GET", f"{A}?q=belysning", api.a).get_json()["items"]
    assert [item["title"] for item in found] == ["Trygghetsvandring i centrum"]


def test_shares_through_the_api(api, world):
    made = create(api, classification="confidential")
    path = f"{A}/{made['id']}/shares"
    refused = api.call("POST", path, api.a, json={"tenant": "torsby"})
    assert refused.status_code == 422 and "ground" in refused.get_json()["errors"]
    unknown = api.call("POST", path, api.a, json={"tenant": "nowhere", "ground": "OSL 10:2"})
    assert unknown.status_code == 422
    share = api.call("POST", path, api.a, json={"tenant": "torsby", "ground": "OSL 10:2"})
    assert share.status_code == 201 and share.get_json()["active"] is True
    seen = api.call("GET", f"{B}/{made['id']}", api.b)
    assert seen.status_code == 200 and seen.get_json()["shared"] is True
    assert api.call("GET", f"{B}?shared=false", api.b).get_json()["items"] == []
    assert [i["id"] for i in api.call("GET", B, api.b).get_json()["items"]] == [made["id"]]
    # receivers: no writes, no shares, no history
    assert api.call("PATCH", f"{B}/{made['id']}", api.b, json={"title": "X"}).status_code == 403
    assert api.call("DELETE", f"{B}/{made['id']}", api.b).status_code == 403
    assert api.call("GET", f"{B}/{made['id']}/shares", api.b).status_code == 403
    assert api.call("GET", f"{B}/{made['id']}/versions", api.b).status_code == 403
    listed = api.call("GET", path, api.a).get_json()["items"]
    assert [s["tenant"] for s in listed] == ["torsby"]
    revoke = api.call("DELETE", f"{path}/{listed[0]['id']}?reason=ended", api.a)
    assert revoke.status_code == 204
    assert api.call("GET", f"{B}/{made['id']}", api.b).status_code == 404


def test_attachments_through_the_api(api, world, settings):
    made = create(api)
    path = f"{A}/{made['id']}/attachments"
    upload = api.call(
        "POST", path, api.a, data={"file": (io.BytesIO(PDF), "rapport.pdf", "application/pdf")}
    )
    assert upload.status_code == 201, upload.get_json()
    attachment = upload.get_json()
    assert attachment["size"] == len(PDF)
    fake = api.call(
        "POST", path, api.a, data={"file": (io.BytesIO(b"MZ\x90\x00"), "x.pdf", "application/pdf")}
    )
    assert fake.status_code == 422 and fake.content_type == "application/problem+json"
    exe = api.call(
        "POST", path, api.a, data={"file": (io.BytesIO(b"MZ"), "x.exe", "application/x-msdownload")}
    )
    assert exe.status_code == 422
    assert api.call("POST", path, api.a, json={"file": "x"}).status_code == 415
    listed = api.call("GET", path, api.a).get_json()["items"]
    assert [a["id"] for a in listed] == [attachment["id"]]
    download = api.call("GET", f"{path}/{attachment['id']}", api.a)
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    # a receiver reads attachments of a shared record, never changes them
    api.call("POST", f"{A}/{made['id']}/shares", api.a, json={"tenant": "torsby"})
    b_path = f"{B}/{made['id']}/attachments"
    assert api.call("GET", f"{b_path}/{attachment['id']}", api.b).data == PDF
    assert api.call("DELETE", f"{b_path}/{attachment['id']}", api.b).status_code == 403
    assert api.call("DELETE", f"{path}/{attachment['id']}", api.a).status_code == 204
    assert api.call("GET", f"{path}/{attachment['id']}", api.a).status_code == 404


def test_another_tenants_token_gets_404(api):
    made = create(api)
    for method, suffix in [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("GET", "/versions")]:
        response = api.call(
            method, f"{A}/{made['id']}{suffix}", api.b, json={} if method == "PATCH" else None
        )
        assert response.status_code == 404, (method, suffix)
        assert response.content_type == "application/problem+json"
    # through its own tenant's path, a record not shared with B does not exist either
    assert api.call("GET", f"{B}/{made['id']}", api.b).status_code == 404


def test_record_types_are_listed(api):
    types = {t["name"]: t for t in api.call("GET", "/api/v1/record-types", api.a).get_json()}
    assert {"core.document", "core.minutes", "testplugin.case"} <= set(types)
    personal = [f["name"] for f in types["core.document"]["fields"] if f["personal"]]
    assert personal == ["contact_person"]


def test_every_route_reading_a_confidential_record_is_audited(app, api, db, world):
    """Generated from the URL map: a new GET route under a record is covered without edits."""
    from sqlalchemy import select

    from samverka.audit.models import AuditEntry

    made = create(api, classification="sensitive", data={"body": "Känsligt"})
    upload = api.call(
        "POST",
        f"{A}/{made['id']}/attachments",
        api.a,
        data={"file": (io.BytesIO(PDF), "r.pdf", "application/pdf")},
    )
    values = {
        "tenant": "sunne",
        "record_id": str(made["id"]),
        "attachment_id": str(upload.get_json()["id"]),
    }
    routes = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/tenants/<tenant>/records/<int:record_id>")
        and "GET" in rule.methods
    ]
    assert len(routes) >= 5, routes

    def reads() -> int:
        with scoped(db, TenantScope.for_tenant(world.a.id)):
            actions = db.scalars(
                select(AuditEntry.action).where(AuditEntry.target_id == str(made["id"]))
            ).all()
        db.rollback()
        return sum(a in {"record.read", "record.attachment_read"} for a in actions)

    for rule in routes:
        path = rule
        for name, value in values.items():
            path = path.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
        before = reads()
        response = api.call("GET", path, api.a)
        assert response.status_code == 200, (rule, response.get_data(as_text=True)[:200])
        assert reads() > before, f"GET {rule} read a sensitive record without an audit entry"


def test_search_filters_fill_the_page(api, world):
    """A search page is full when more matches of the filtered kind exist (the filter is part
    of the query, not applied to the page afterwards)."""
    for i in range(3):
        create(api, title=f"Belysning {i}", data={"body": "belysning"})
    for i in range(3):  # newer: ranked ahead of the documents among equal ranks
        create(
            api,
            type="core.minutes",
            title=f"Belysning möte {i}",
            data={"meeting_date": "2026-11-30", "body": "belysning"},
        )
    page = api.call("GET", f"{A}?q=belysning&type=core.document&limit=3", api.a).get_json()
    assert [item["title"] for item in page["items"]] == [f"Belysning {i}" for i in (2, 1, 0)]
    shared = create(api, title="Delad belysning", data={"body": "belysning"})
    made = api.call("POST", f"{A}/{shared['id']}/shares", api.a, json={"tenant": "torsby"})
    assert made.status_code == 201, made.get_json()
    for i in range(2):
        body = {
            "type": "core.document",
            "title": f"Torsby belysning {i}",
            "data": {"body": "belysning"},
        }
        assert api.call("POST", B, api.b, json=body).status_code == 201
    own = api.call("GET", f"{B}?q=belysning&shared=false&limit=2", api.b).get_json()["items"]
    assert sorted(item["title"] for item in own) == ["Torsby belysning 0", "Torsby belysning 1"]
