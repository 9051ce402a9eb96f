"""Tenant administration in the browser's terms: members and roles, modules and config."""

from __future__ import annotations

from samverka.testing.fixtures import csrf_token, form_post


def test_members_page_lists_only_this_tenants_members(logged_in_client):
    page = logged_in_client.get("/t/sunne/admin/members").get_data(as_text=True)
    assert "admin@sunne.test" in page
    assert "reader@sunne.test" in page
    assert "torsby" not in page


def test_add_a_new_member(logged_in_client):
    response = form_post(
        logged_in_client,
        "/t/sunne/admin/members",
        {"email": "ny@sunne.test", "name": "Ny Person", "role": "contributor"},
    )
    assert response.status_code == 302
    page = logged_in_client.get("/t/sunne/admin/members").get_data(as_text=True)
    assert "ny@sunne.test" in page


def test_a_bad_member_form_shows_an_error_and_changes_nothing(logged_in_client):
    response = form_post(
        logged_in_client,
        "/t/sunne/admin/members",
        {"email": "ny@sunne.test", "name": "", "role": "reader"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    response = form_post(
        logged_in_client,
        "/t/sunne/admin/members",
        {"email": "not-an-address", "name": "X", "role": "reader"},
    )
    assert response.status_code == 422
    page = logged_in_client.get("/t/sunne/admin/members").get_data(as_text=True)
    assert "ny@sunne.test" not in page
    assert "not-an-address" not in page.split("<table")[1]


def test_a_reader_cannot_manage_members(client, login, tenant_pair):
    login(client, tenant_pair.reader_a)
    assert client.get("/t/sunne/admin/members").status_code == 403
    assert client.get("/t/sunne/").status_code == 200


def test_remove_a_role(logged_in_client, tenant_pair):
    page = logged_in_client.get("/t/sunne/admin/members").get_data(as_text=True)
    response = logged_in_client.post(
        f"/t/sunne/admin/members/{tenant_pair.reader_a.id}/remove",
        data={"role": "reader", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    assert "reader@sunne.test" not in logged_in_client.get("/t/sunne/admin/members").get_data(
        as_text=True
    )


def test_removing_another_tenants_member_is_404(logged_in_client, tenant_pair):
    page = logged_in_client.get("/t/sunne/admin/members").get_data(as_text=True)
    response = logged_in_client.post(
        f"/t/sunne/admin/members/{tenant_pair.reader_b.id}/remove",
        data={"role": "reader", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 404


def test_enable_a_module_with_config(logged_in_client, db, tenant_pair, app):
    from samverka.plugins.services import allow_plugin

    allow_plugin(db, app.extensions["samverka"].host, "testplugin", tenant_pair.consortium)
    db.commit()
    listing = logged_in_client.get("/t/sunne/admin/modules").get_data(as_text=True)
    assert "Testmodul" in listing
    bad = form_post(
        logged_in_client, "/t/sunne/admin/modules/testplugin", {"config": '{"max_notes": 0}'}
    )
    assert bad.status_code == 422
    assert logged_in_client.get("/t/sunne/testplugin/").status_code == 404
    broken = form_post(logged_in_client, "/t/sunne/admin/modules/testplugin", {"config": "{"})
    assert broken.status_code == 422
    good = form_post(
        logged_in_client,
        "/t/sunne/admin/modules/testplugin",
        {"config": '{"greeting": "Välkommen"}'},
    )
    assert good.status_code == 302
    assert "Välkommen, Sunne kommun" in logged_in_client.get("/t/sunne/testplugin/").get_data(
        as_text=True
    )
    disable = logged_in_client.post(
        "/t/sunne/admin/modules/testplugin/disable", data={"csrf_token": csrf_token(listing)}
    )
    assert disable.status_code == 302
    assert logged_in_client.get("/t/sunne/testplugin/").status_code == 404


def test_module_not_offered_is_404(logged_in_client):
    assert logged_in_client.get("/t/sunne/admin/modules/testplugin").status_code == 404


def test_tenant_switcher(client, login, db, registry, tenant_pair):
    from samverka.auth.services import add_member
    from samverka.db import TenantScope, scoped

    with scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        add_member(db, registry, tenant_pair.reader_a, tenant_pair.b, "reader")
    db.commit()
    login(client, tenant_pair.reader_a)
    page = client.get("/t/sunne/").get_data(as_text=True)
    assert 'name="tenant"' in page
    assert client.get("/switch?tenant=torsby").location == "/t/torsby/"
    assert client.get("/t/torsby/").status_code == 200
    assert client.get("/switch?tenant=hagfors").status_code == 404
