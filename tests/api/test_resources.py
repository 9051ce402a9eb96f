"""The API's resources, as a tenant administrator's token sees them."""

from __future__ import annotations

from apikit import bearer

from samverka.tenancy import services as tenancy

PROBLEM = "application/problem+json"


def test_me_names_the_user_tenant_and_effective_roles(client, tenant_pair, issue):
    raw = issue(tenant_pair.admin_a, tenant_pair.a)
    body = client.get("/api/v1/me", headers=bearer(raw)).get_json()
    assert body["user"]["email"] == "admin@sunne.test"
    assert body["tenant"] == {"slug": "sunne", "name": "Sunne kommun", "kind": "municipality"}
    assert body["roles"] == ["tenant_admin"]
    assert body["token"]["role"] is None


def test_consortium_admin_powers_do_not_come_along(client, db, registry, tenant_pair, issue):
    """A consortium administrator who is also a reader in Sunne: the token is a reader."""
    from samverka.auth import services as accounts
    from samverka.db import TenantScope, scoped

    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.add_member(db, registry, tenant_pair.consortium_admin, tenant_pair.a, "reader")
    db.commit()
    raw = issue(tenant_pair.consortium_admin, tenant_pair.a)
    assert client.get("/api/v1/me", headers=bearer(raw)).get_json()["roles"] == ["reader"]
    response = client.get("/api/v1/tenants/sunne/members", headers=bearer(raw))
    assert response.status_code == 403 and response.content_type == PROBLEM


def test_directory_shows_the_own_tenant_and_its_consortia(client, db, tenant_pair, token_a):
    other = tenancy.create_consortium(db, "varmland", "Värmland")
    tenancy.add_to_consortium(db, tenant_pair.b, other)
    db.commit()
    headers = bearer(token_a)
    listed = client.get("/api/v1/consortia", headers=headers).get_json()
    assert [c["slug"] for c in listed["items"]] == ["sutohamu"] and listed["next"] is None
    detail = client.get("/api/v1/consortia/sutohamu", headers=headers).get_json()
    assert [m["slug"] for m in detail["members"]] == ["sunne", "torsby"]
    assert client.get("/api/v1/consortia/varmland", headers=headers).status_code == 404
    tenants = client.get("/api/v1/tenants", headers=headers).get_json()
    assert [t["slug"] for t in tenants["items"]] == ["sunne"]
    own = client.get("/api/v1/tenants/sunne", headers=headers).get_json()
    assert own["municipality_code"] == "1766" and own["consortia"] == ["sutohamu"]


def test_members_are_listed_page_by_page(client, db, registry, tenant_pair, token_a):
    from samverka.auth import services as accounts
    from samverka.db import TenantScope, scoped

    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        for n in range(3):
            user = accounts.create_user(db, f"p{n}@sunne.test", f"Person {n}")
            accounts.add_member(db, registry, user, tenant_pair.a, "contributor")
    db.commit()
    seen, url = [], "/api/v1/tenants/sunne/members?limit=2"
    while url:
        body = client.get(url, headers=bearer(token_a)).get_json()
        assert len(body["items"]) <= 2
        seen += [m["email"] for m in body["items"]]
        url = body["next"]
    assert len(seen) == 5 and len(set(seen)) == 5
    assert "admin@torsby.test" not in seen


def test_members_are_added_and_roles_removed(client, tenant_pair, token_a):
    headers = bearer(token_a)
    url = "/api/v1/tenants/sunne/members"
    created = client.post(
        url,
        json={"email": "ny@sunne.test", "name": "Ny Person", "role": "coordinator"},
        headers=headers,
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    user_id = created.get_json()["user_id"]
    assert created.get_json()["roles"] == ["coordinator"]
    again = client.post(
        url, json={"email": "ny@sunne.test", "role": "coordinator"}, headers=headers
    )
    assert again.status_code == 409 and again.get_json()["type"].endswith("/conflict")
    gone = client.delete(f"{url}/{user_id}/roles/coordinator", headers=headers)
    assert gone.status_code == 204
    assert client.delete(f"{url}/{user_id}/roles/coordinator", headers=headers).status_code == 404


def test_plugins_are_enabled_configured_and_disabled(client, db, app, tenant_pair, token_a):
    from samverka.plugins import services as plugins

    headers = bearer(token_a)
    url = "/api/v1/tenants/sunne/plugins/testplugin"
    refused = client.put(url, json={}, headers=headers)
    assert refused.status_code == 409, "no consortium offers it yet"
    plugins.allow_plugin(db, app.extensions["samverka"].host, "testplugin", tenant_pair.consortium)
    db.commit()
    catalogue = client.get("/api/v1/plugins", headers=headers).get_json()["items"]
    assert {"name": "testplugin", "available": True, "enabled": False}.items() <= next(
        p for p in catalogue if p["name"] == "testplugin"
    ).items()
    bad = client.put(url, json={"config": {"greeting": 5}}, headers=headers)
    assert bad.status_code == 422 and "config" in bad.get_json()["errors"]
    done = client.put(url, json={"config": {"greeting": "Tjena"}}, headers=headers)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["effective_config"]["greeting"] == "Tjena"
    assert client.get("/api/v1/tenants/sunne/testplugin/notes", headers=headers).status_code == 200
    assert client.delete(url, headers=headers).status_code == 204
    notes = client.get("/api/v1/tenants/sunne/testplugin/notes", headers=headers)
    assert notes.status_code == 404 and notes.content_type == PROBLEM
    assert client.get(url, headers=headers).get_json()["enabled"] is False


def test_docs_page_uses_vendored_files_and_no_inline_script(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "<script>" not in html and "https://" not in html
    for path in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/api/docs.js"):
        assert client.get(path).status_code == 200, path
