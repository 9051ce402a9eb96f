"""Decidim's bug, ruled out for every route: a token reaches only its own tenant.

The routes come from ``app.url_map``, so a route added later is covered without editing this
test. Every path parameter is filled with tenant B's objects (its slug, its administrator, a
consortium only B belongs to, a plugin B has enabled, its archive job) and called with tenant
A's token in every method the route allows: routes with a tenant or a consortium in the path
answer 404; the others answer for A alone and never mention B.
"""

from __future__ import annotations

import io
import re

import pytest
from apikit import bearer

from samverka.areas.services import create_area
from samverka.db import TenantScope, scoped
from samverka.exports import export_store
from samverka.lifecycle.export import request_archive
from samverka.tenancy import services as tenancy

PUBLIC = {"/api/v1/openapi.json", "/api/v1/docs"}
BODIES = {
    "POST": {"email": "x@torsby.test", "name": "X", "role": "reader"},
    "PUT": {"config": {"greeting": "Hej"}},
    "PATCH": {"title": "X"},
}
UPLOADS = {"/api/v1/tenants/<tenant>/records/<int:record_id>/attachments"}  # multipart


def send(client, rule: str, path: str, method: str, **kwargs):
    if method == "POST" and rule in UPLOADS:
        upload = (io.BytesIO(b"%PDF-1.4 x"), "x.pdf", "application/pdf")
        return client.open(path, method=method, data={"file": upload}, **kwargs)
    return client.open(path, method=method, json=BODIES.get(method), **kwargs)


@pytest.fixture
def b_world(app, db, tenant_pair, with_plugins):
    """B in a consortium of its own too, with the test plugin enabled (A has not), a job of
    B's (its archive job) and an export file of B's."""
    own = tenancy.create_consortium(db, "torsby-only", "Bara Torsby")
    tenancy.add_to_consortium(db, tenant_pair.b, own)
    db.commit()
    with_plugins(tenant_pair.b, "testplugin")
    with app.app_context(), scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        job = request_archive(db, tenant_pair.b)  # B's own archive job
        area = create_area(db, tenant_pair.b, "Centrum")  # B's area (issue 16)
        db.commit()
    files = export_store(app.extensions["samverka"].settings.instance_path)
    with files.create(tenant_pair.b.id, "torsby.csv", "text/csv") as pending:
        pending.file.write(b"torsby")
    return {
        "job_id": str(job.id),
        "token": pending.stored.token,
        "tenant": tenant_pair.b.slug,
        "consortium": "torsby-only",
        "user_id": str(tenant_pair.admin_b.id),
        "role": "reader",
        "name": "testplugin",
        "record_id": "1",
        "share_id": "1",
        "attachment_id": "1",
        "plan_id": "1",
        "measure_id": "1",
        "council_id": "1",
        "year": "2026",
        "agreement_id": "1",  # issue 5: agreements and pledges
        "pledge_id": "1",
        "round_id": "1",
        "unit_id": "1",
        "area_id": str(area.id),
        "code": "violence",  # an indicator (plugin indicators, not enabled here: 404)
    }


def api_routes(app) -> list[tuple[str, str]]:
    """(rule, method) for every /api/v1 route, from the URL map."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.rule, method))
    return found


def fill(rule: str, values: dict[str, str]) -> str:
    """The rule with its arguments filled, whatever their converter (``<int(min=…):year>``)."""

    def value(match: re.Match) -> str:
        return values.get(match.group(1), match.group(0))

    path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>", value, rule)
    assert "<" not in path, f"no value for a parameter of {rule}: add one to b_world"
    return path


def test_a_token_of_tenant_a_reaches_nothing_of_tenant_b(
    app, client, tenant_pair, b_world, token_a, snapshot
):
    routes = api_routes(app)
    assert len(routes) >= 12, routes
    before = snapshot()
    for rule, method in routes:
        path = fill(rule, b_world)
        response = send(client, rule, path, method, headers=bearer(token_a))
        text = response.get_data(as_text=True)
        where = f"{method} {path}"
        if "<tenant>" in rule or "<consortium>" in rule:
            assert response.status_code == 404, f"{where}: {response.status_code} {text[:200]}"
            assert response.content_type == "application/problem+json", where
        else:
            assert response.status_code == 200, f"{where}: {response.status_code} {text[:200]}"
            if rule not in PUBLIC:
                assert "torsby" not in text.lower(), f"{where} mentions tenant B: {text[:300]}"
    assert snapshot() == before, "a refused request changed stored data"


def test_without_a_token_every_route_but_the_documents_answers_401(app, client, b_world):
    for rule, method in api_routes(app):
        response = send(client, rule, fill(rule, b_world), method)
        if rule in PUBLIC:
            assert response.status_code == 200, rule
            continue
        assert response.status_code == 401, f"{method} {rule}: {response.status_code}"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_quoting_another_tenant_id_is_not_found(client, tenant_pair, token_a):
    """The tenant id in the token decides the lookup's scope: swap it and the row is gone."""
    prefix, _tenant, key, secret = token_a.split("_")
    forged = f"{prefix}_{tenant_pair.b.id}_{key}_{secret}"
    assert client.get("/api/v1/me", headers=bearer(token_a)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(forged)).status_code == 401


def test_b_token_sees_b(client, tenant_pair, issue, b_world):
    raw = issue(tenant_pair.admin_b, tenant_pair.b)
    assert (
        client.get("/api/v1/tenants/torsby/testplugin/notes", headers=bearer(raw)).status_code
        == 200
    )
    assert client.get("/api/v1/consortia/torsby-only", headers=bearer(raw)).status_code == 200
