"""Every list, web page or API, that shows a confidential or sensitive record's title leaves
a ``record.list`` entry naming it, as the records list always did: plans, councils,
agreements and pledges list records of their own types, and the service that lists them
audits them (a view cannot forget it)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.auth import tokens
from samverka.db import TenantScope, scoped
from samverka.records import services
from samverka.workflows.agreements import services as ag
from samverka.workflows.councils import services as councils

LISTS = {
    "core.document": ("/t/sunne/records/", "/api/v1/tenants/sunne/records"),
    "core.action_plan": ("/t/sunne/action-plans/", "/api/v1/tenants/sunne/action-plans"),
    "core.council": ("/t/sunne/councils/", "/api/v1/tenants/sunne/councils"),
    ag.AGREEMENT_TYPE: ("/t/sunne/agreements/", "/api/v1/tenants/sunne/agreements"),
    ag.PLEDGE_TYPE: ("/t/sunne/pledges/", "/api/v1/tenants/sunne/pledges"),
}


def make(db, world, type_name: str):
    user = world.admin_a
    if type_name == "core.council":
        record = councils.create_council(db, name="Styrgrupp", kind="steering_group", user=user)
    elif type_name == ag.AGREEMENT_TYPE:
        record = ag.create_agreement(
            db,
            title="Överenskommelse",
            data={"valid_from": "2025-01-01", "until_further_notice": True},
            parties=[{"tenant": "sunne"}],
            user=user,
        )
    elif type_name == ag.PLEDGE_TYPE:
        record = ag.create_pledge(
            db, title="Löfte", data={"valid_from": "2025-01-01", "public_text": "x"}, user=user
        )
    elif type_name == "core.action_plan":
        data = {"title": "Plan", "valid_from": "2026-01-01"}
        record = services.create_record(
            db, record_type=type_name, title="Plan", data=data, user=user
        )
    else:
        record = services.create_record(
            db, record_type=type_name, title="Hemlig", data={"body": "x"}, user=user
        )
    return services.update_record(db, record, classification="confidential", user=user)


@pytest.fixture
def confidential(app, db, world):
    def build(type_name: str) -> int:
        with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
            record = make(db, world, type_name)
            db.commit()
            return record.id

    return build


def listed(db, world, record_id: int) -> list[dict]:
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "record.list")).all()
        found = [e.details for e in entries if record_id in (e.details or {}).get("record_ids", [])]
    db.rollback()
    return found


@pytest.mark.parametrize("type_name", sorted(LISTS))
def test_a_list_page_audits_the_confidential_records_it_shows(
    type_name, client, login, db, world, confidential
):
    record_id = confidential(type_name)
    login(client, world.admin_a)
    page = client.get(LISTS[type_name][0])
    assert page.status_code == 200
    assert [d["via"] for d in listed(db, world, record_id)] == ["web"]


@pytest.mark.parametrize("type_name", sorted(LISTS))
def test_an_api_list_audits_the_confidential_records_it_shows(
    type_name, client, db, world, confidential
):
    record_id = confidential(type_name)
    with scoped(db, TenantScope.for_tenant(world.a.id)):
        issued = tokens.issue_token(db, world.admin_a, world.a, name="test")
    db.commit()
    listing = client.get(LISTS[type_name][1], headers={"Authorization": f"Bearer {issued.raw}"})
    assert listing.status_code == 200
    assert record_id in [item["id"] for item in listing.get_json()["items"]]
    assert [d["via"] for d in listed(db, world, record_id)] == ["api"]
