"""The API tokens page: a member's own tokens, shown once; a tenant admin sees all."""

from __future__ import annotations

import re

from samverka.testing.fixtures import csrf_token, form_post

PAGE = "/t/sunne/api-tokens/"


def created_token(html: str) -> str:
    found = re.search(r'id="new-token"[^>]*value="(svk_[^"]+)"', html)
    assert found, "no new token on the page"
    return found.group(1)


def revoke(client, page: str, token_id: str):
    return client.post(
        f"/t/sunne/api-tokens/{token_id}/revoke", data={"csrf_token": csrf_token(page)}
    )


def test_a_reader_creates_a_token_shown_once_and_revokes_it(client, login, tenant_pair):
    login(client, tenant_pair.reader_a)
    response = form_post(client, PAGE, {"name": "Skript", "role": "reader", "expires": "30"})
    assert response.status_code == 200
    raw = created_token(response.get_data(as_text=True))
    bearer = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=bearer).get_json()["roles"] == ["reader"]
    page = client.get(PAGE).get_data(as_text=True)
    assert raw not in page and "Skript" in page
    token_id = re.search(r"/api-tokens/(\d+)/revoke", page).group(1)
    assert revoke(client, page, token_id).status_code == 302
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_a_role_the_user_lacks_is_refused_on_the_form(client, login, tenant_pair):
    login(client, tenant_pair.reader_a)
    response = form_post(client, PAGE, {"name": "x", "role": "tenant_admin"})
    assert response.status_code == 422
    assert 'id="new-token"' not in response.get_data(as_text=True)


def test_admin_sees_every_token_a_reader_only_her_own(app, login, tenant_pair):
    reader, admin = app.test_client(), app.test_client()
    login(reader, tenant_pair.reader_a)
    login(admin, tenant_pair.admin_a)
    form_post(reader, PAGE, {"name": "Läsarens", "role": ""})
    form_post(admin, PAGE, {"name": "Adminens", "role": ""})
    admin_page = admin.get(PAGE).get_data(as_text=True)
    assert "Läsarens" in admin_page and "Adminens" in admin_page
    reader_page = reader.get(PAGE).get_data(as_text=True)
    assert "Läsarens" in reader_page and "Adminens" not in reader_page
    token_id = re.search(r"/api-tokens/(\d+)/revoke", admin_page).group(1)  # newest: admin's
    assert revoke(reader, reader_page, token_id).status_code == 404


def test_another_tenants_member_gets_404(client, login, tenant_pair):
    login(client, tenant_pair.admin_b)
    assert client.get(PAGE).status_code == 404
