"""The agreements, pledges, compliance and overview API: create, read, end, follow up; bad
input is a 422 problem and stores nothing; another tenant's token sees nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from samverka.auth import tokens
from samverka.db import TenantScope, scoped

A = "/api/v1/tenants/sunne"


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

        def call(self, method, path, who, **kwargs):
            return client.open(path, method=method, headers=who, **kwargs)

    return Api()


AGREEMENT = {
    "title": "Överenskommelse",
    "data": {"valid_from": "2025-01-01", "valid_to": "2027-12-31", "problems": "A\nB"},
    "parties": [{"tenant": "sunne"}, {"name": "Polisområde Värmland"}],
    "signatories": [{"name": "Anna Ek", "signed_on": "2025-01-02"}],
}


def test_agreements_round_trip(api):
    made = api.call("POST", f"{A}/agreements", api.a, json=AGREEMENT)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["parties"][0] == {"tenant": "sunne", "name": "Sunne kommun", "kind": "municipality"}
    assert body["problems"] == ["A", "B"] and body["current"] is True
    got = api.call("GET", f"{A}/agreements/{body['id']}", api.reader_a).get_json()
    assert got["signatories"][0]["signed_on"] == "2025-01-02"
    assert [i["id"] for i in api.call("GET", f"{A}/agreements", api.a).get_json()["items"]] == [
        body["id"]
    ]
    patched = api.call(
        "PATCH",
        f"{A}/agreements/{body['id']}",
        api.a,
        json={
            "parties": [{"name": "Polisen"}, {"tenant": "sunne"}],
            "data": {"review_on": "2026-01-01"},
        },
    )
    assert patched.status_code == 200, patched.get_json()
    assert [p["name"] for p in patched.get_json()["parties"]] == ["Polisen", "Sunne kommun"]
    assert patched.get_json()["signatories"][0]["name"] == "Anna Ek"  # kept
    bad = api.call("PATCH", f"{A}/agreements/{body['id']}", api.a, json={"parties": []})
    assert bad.status_code == 422
    ended = api.call(
        "POST", f"{A}/agreements/{body['id']}/end", api.a, json={"ended_on": "2025-06-30"}
    )
    assert ended.status_code == 200 and ended.get_json()["current"] is False
    early = api.call(
        "POST", f"{A}/agreements/{body['id']}/end", api.a, json={"ended_on": "2024-06-30"}
    )
    assert early.status_code == 422
    assert (
        api.call("GET", f"/api/v1/tenants/torsby/agreements/{body['id']}", api.b).status_code == 404
    )
    assert api.call("GET", f"{A}/agreements", api.b).status_code == 404
    assert api.call("POST", f"{A}/agreements", api.reader_a, json=AGREEMENT).status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        {"data": {"valid_from": "2025-01-01", "valid_to": "2024-01-01"}},
        {"parties": []},
        {"data": {"valid_from": "2025-01-01"}},
    ],
)
def test_bad_agreements_are_422_and_nothing_is_stored(api, change):
    response = api.call("POST", f"{A}/agreements", api.a, json=AGREEMENT | change)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert api.call("GET", f"{A}/agreements", api.a).get_json()["items"] == []


def test_pledges_and_follow_ups(api):
    body = {
        "title": "Medborgarlöfte",
        "data": {"valid_from": "2025-01-01", "public_text": "Vi lovar", "published": True},
        "activities": [
            {"description": "Vandring", "owner_tenant": "sunne", "due_on": "2025-04-01"}
        ],
    }
    made = api.call("POST", f"{A}/pledges", api.a, json=body)
    assert made.status_code == 201, made.get_json()
    pledge = made.get_json()["id"]
    done = api.call(
        "POST",
        f"{A}/pledges/{pledge}/follow-ups",
        api.a,
        json={"year": 2025, "status": "done", "text": "Klart"},
    )
    assert done.status_code == 201
    assert done.get_json()["follow_ups"] == [{"year": 2025, "status": "done", "text": "Klart"}]
    bad = api.call(
        "POST",
        f"{A}/pledges/{pledge}/follow-ups",
        api.a,
        json={"year": 2024, "status": "done", "text": "x"},
    )
    assert bad.status_code == 422
    assert (
        api.call("GET", f"{A}/pledges", api.a).get_json()["items"][0]["activities"][0][
            "owner_tenant"
        ]
        == "sunne"
    )


def test_compliance_and_overview(api):
    report = api.call("GET", f"{A}/compliance", api.reader_a)
    assert report.status_code == 200
    duties = {d["duty"]: d for d in report.get_json()["duties"]}
    assert set(duties) >= {
        "situation_picture",
        "action_plan",
        "coordination_function",
        "council_meetings",
        "follow_up",
        "cooperation_agreement",
    }
    assert (
        duties["cooperation_agreement"]["answered"] and not duties["cooperation_agreement"]["met"]
    )
    assert report.get_json()["cycle_months"] == 12
    soon = (date.today() + timedelta(days=10)).isoformat()
    data = {"valid_from": "2025-01-01", "valid_to": soon}
    api.call("POST", f"{A}/agreements", api.a, json=AGREEMENT | {"data": data})
    report = api.call("GET", f"{A}/compliance", api.a).get_json()
    assert {d["duty"]: d["met"] for d in report["duties"]}["cooperation_agreement"] is True
    groups = api.call("GET", f"{A}/overview", api.a).get_json()["groups"]
    assert groups[0]["kind"] == "agreement_expiry"
    assert groups[0]["items"][0]["due"] == soon and groups[0]["items"][0]["status"] == "due"
    assert groups[0]["label"] == "Överenskommelser som snart löper ut"  # declared with its kind
    assert groups[0]["items"][0]["organisation"] == "Sunne kommun"  # the tenant's own
