"""Every GET route, web or API, that names a record or an attachment writes a read entry to
the audit log when the record is confidential or sensitive.

Generated from the app's URL map: a route added later (by the core or a plugin) is covered
without editing this test, and a route whose arguments the test cannot fill fails it (add
the value to ``VALUES``) rather than being skipped.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from samverka.audit.models import AuditEntry
from samverka.auth import tokens
from samverka.db import TenantScope, scoped
from samverka.records import services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
READS = frozenset({"record.read", "record.attachment_read"})
RECORD_ARGUMENTS = frozenset({"record_id", "attachment_id"})


def record_rules(app) -> list:
    """GET rules with a record or attachment id in their arguments, web and API alike."""
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ()) and rule.arguments & RECORD_ARGUMENTS
        ),
        key=lambda rule: rule.rule,
    )


@pytest.fixture
def confidential(app, db, world):
    """A sensitive record of tenant A in version 2, with an attachment and a share to B."""
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
        record = services.create_record(
            db,
            record_type="core.document",
            title="Känslig lägesbild",
            data={"body": "Uppgifter", "contact_person": "Anna Andersson"},
            classification="sensitive",
            user=world.admin_a,
        )
        services.update_record(db, record, data={"body": "Nya uppgifter"}, user=world.admin_a)
        attachment = services.add_attachment(
            db,
            record,
            filename="underlag.pdf",
            content_type="application/pdf",
            stream=io.BytesIO(PDF),
            user=world.admin_a,
        )
        share = services.share_record(
            db, record, tenant=world.b, ground="OSL 10 kap. 2 §", user=world.admin_a
        )
        picture = services.create_record(  # the picture pages show situation pictures only
            db,
            record_type="core.situation_picture",
            title="Känslig lägesbild",
            data={"period_start": "2026-01-01", "period_end": "2026-03-31"},
            classification="sensitive",
            user=world.admin_a,
        )
        services.share_record(
            db, picture, tenant=world.b, ground="OSL 10 kap. 2 §", user=world.admin_a
        )
        db.commit()
        document = {"record": record.id, "attachment": attachment.id, "share": share.id}
        return [document, {**document, "record": picture.id}]


def first_shown(client, app, rule, candidates: list[dict], slug: str, headers: dict):
    """The answer for the first candidate record the route shows (a route made for one
    record type answers 404 for the others), with the record's id; else the last answer."""
    for made in candidates:
        path = build_path(app, rule, values_for(rule, made, slug))
        response = client.get(path, headers=headers)
        if response.status_code != 404:
            return response, made["record"]
    return response, made["record"]


def values_for(rule, made: dict, slug: str) -> dict:
    """The URL values of ``rule``; an argument the test does not know fails the test."""
    known = {
        "tenant_slug": slug,
        "tenant": slug,
        "slug": slug,
        "record_id": made["record"],
        "attachment_id": made["attachment"],
        "share_id": made["share"],
        "number": 2,
        "version": 2,
    }
    unknown = rule.arguments - set(known)
    if unknown:
        pytest.fail(
            f"GET {rule.rule} takes {sorted(unknown)}: teach this test a value for it, so "
            "that the route's reads are checked"
        )
    return {name: known[name] for name in rule.arguments}


def reads_of(db, tenant_id: int, record_id: int) -> int:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant_id)):
        actions = db.scalars(
            select(AuditEntry.action).where(
                AuditEntry.target_type == "record", AuditEntry.target_id == str(record_id)
            )
        ).all()
    db.rollback()
    return sum(action in READS for action in actions)


def bearer(db, user, tenant) -> dict[str, str]:
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        issued = tokens.issue_token(db, user, tenant, name="audit test")
    db.commit()
    return {"Authorization": f"Bearer {issued.raw}"}


def build_path(app, rule, values: dict) -> str:
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values, method="GET")


def test_every_read_route_of_the_owner_is_audited(app, db, client, login, world, confidential):
    rules = record_rules(app)
    web = [r for r in rules if not r.rule.startswith("/api/")]
    api = [r for r in rules if r.rule.startswith("/api/")]
    assert len(web) >= 7, [r.rule for r in web]  # detail, pdf, edit, delete, versions, ...
    login(client, world.admin_a)
    token = bearer(db, world.admin_a, world.a)
    for rule in rules:
        before = {m["record"]: reads_of(db, world.a.id, m["record"]) for m in confidential}
        headers = token if rule in api else {}
        response, shown = first_shown(client, app, rule, confidential, "sunne", headers)
        assert response.status_code == 200, (rule.rule, response.status_code)
        after = reads_of(db, world.a.id, shown)
        assert after > before[shown], (
            f"GET {rule.rule} showed a sensitive record without an audit entry"
        )


def test_every_read_route_a_receiver_may_use_is_audited(
    app, db, client, login, world, confidential
):
    """The receiver's reads land in the owner's log; a route that refuses it (owner-only
    pages) must say so with 403/404, never show the record unaudited."""
    login(client, world.admin_b)
    token = bearer(db, world.admin_b, world.b)
    shown = 0
    for rule in record_rules(app):
        before = {m["record"]: reads_of(db, world.a.id, m["record"]) for m in confidential}
        headers = token if rule.rule.startswith("/api/") else {}
        response, record = first_shown(client, app, rule, confidential, "torsby", headers)
        if response.status_code in (403, 404):
            continue
        assert response.status_code == 200, (rule.rule, response.status_code)
        shown += 1
        assert reads_of(db, world.a.id, record) > before[record], rule.rule
    assert shown >= 3  # at least the page, the PDF and the attachment


def test_an_open_record_is_read_without_an_entry(app, db, client, login, world):
    """The audit is for confidential and sensitive records only (the log stays readable)."""
    with app.test_request_context(), scoped(db, TenantScope.for_tenant(world.a.id)):
        record = services.create_record(
            db,
            record_type="core.document",
            title="Öppen",
            data={},
            classification="open",
            user=world.admin_a,
        )
        db.commit()
        record_id = record.id
    login(client, world.admin_a)
    before = reads_of(db, world.a.id, record_id)
    assert client.get(f"/t/sunne/records/{record_id}").status_code == 200
    assert reads_of(db, world.a.id, record_id) == before
