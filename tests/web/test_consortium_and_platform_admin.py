"""Consortium administration (members, offered modules) and platform administration."""

from __future__ import annotations

from samverka.testing.fixtures import csrf_token, form_post


def test_consortium_admin_adds_an_organisation(client, login, tenant_pair):
    login(client, tenant_pair.consortium_admin)
    response = form_post(
        client,
        "/consortia/sutohamu/",
        {
            "name": "Hagfors kommun",
            "slug": "hagfors",
            "kind": "municipality",
            "municipality_code": "1783",
            "population": "11536",
        },
    )
    assert response.status_code == 302
    assert "Hagfors kommun" in client.get("/consortia/sutohamu/").get_data(as_text=True)


def test_bad_organisation_input_changes_nothing(client, login, tenant_pair):
    login(client, tenant_pair.consortium_admin)
    for data in [
        {"name": "X", "slug": "sunne", "kind": "ngo"},
        {"name": "X", "slug": "x", "kind": "municipality", "municipality_code": "17a3"},
        {"name": "X", "slug": "x", "kind": "municipality", "municipality_code": "1766"},
        {"name": "X", "slug": "x", "kind": "castle"},
    ]:
        response = form_post(client, "/consortia/sutohamu/", data)
        assert response.status_code == 422, data
        assert "govuk-error-summary" in response.get_data(as_text=True)
    page = client.get("/consortia/sutohamu/").get_data(as_text=True)
    plugins = len(client.application.extensions["samverka"].host.installed)
    assert page.count("govuk-table__row") == 2 + 1 + 1 + plugins + 2  # header + 2 tenants,
    # header + one row per installed plugin, header + "no open invitations"


def test_consortium_admin_offers_and_withdraws_a_module(client, login, tenant_pair):
    login(client, tenant_pair.consortium_admin)
    page = client.get("/consortia/sutohamu/").get_data(as_text=True)
    token = csrf_token(page)
    assert (
        client.post(
            "/consortia/sutohamu/modules/testplugin/offer", data={"csrf_token": token}
        ).status_code
        == 302
    )
    client.get("/logout")
    login(client, tenant_pair.admin_a)
    assert "Testmodul" in client.get("/t/sunne/admin/modules").get_data(as_text=True)


def test_other_consortia_are_invisible(client, login, tenant_pair, db):
    from samverka.tenancy.services import create_consortium

    create_consortium(db, "gr", "Göteborgsregionen", "14")
    db.commit()
    login(client, tenant_pair.consortium_admin)
    assert client.get("/consortia/gr/").status_code == 404
    assert client.get("/consortia/nosuch/").status_code == 404


def test_platform_admin_creates_consortia_and_users(client, login, tenant_pair):
    login(client, tenant_pair.platform_admin)
    created = form_post(
        client, "/admin/consortia", {"name": "Göteborgsregionen", "slug": "gr", "county_code": "14"}
    )
    assert created.status_code == 302
    duplicate = form_post(client, "/admin/consortia", {"name": "GR", "slug": "gr"})
    assert duplicate.status_code == 422
    user = form_post(
        client,
        "/admin/users",
        {"email": "ny@gr.test", "name": "Ny", "password": "långt nog lösenord"},
    )
    assert user.status_code == 302
    short = form_post(
        client, "/admin/users", {"email": "x@gr.test", "name": "X", "password": "kort"}
    )
    assert short.status_code == 422


def test_only_platform_admins_see_platform_pages(client, login, tenant_pair):
    login(client, tenant_pair.consortium_admin)
    assert client.get("/admin/consortia").status_code == 403
    assert client.get("/admin/users").status_code == 403


def test_form_errors_speak_swedish_by_default(client, login, tenant_pair):
    login(client, tenant_pair.consortium_admin)
    response = form_post(
        client, "/consortia/sutohamu/", {"name": "X", "slug": "x", "kind": "municipality"}
    )
    html = response.get_data(as_text=True)
    assert "En kommun måste ha en kommunkod med fyra siffror" in html
    assert "Det finns ett problem" in html
    response = form_post(
        client, "/consortia/sutohamu/", {"name": "X", "slug": "sunne", "kind": "ngo"}
    )
    assert "Kortnamnet sunne används redan." in response.get_data(as_text=True)


def test_consortium_admin_invites_an_existing_organisation_and_removes_it(
    client, login, db, tenant_pair
):
    """An existing organisation joins only when it accepts (here a platform administrator on
    its behalf: AGERA has no administrator yet); removing a member works as before."""
    from samverka.tenancy.services import create_tenant

    create_tenant(db, "agera-varmland", "AGERA Värmland", "ngo")
    db.commit()
    login(client, tenant_pair.consortium_admin)
    page = client.get("/consortia/sutohamu/").get_data(as_text=True)
    assert '<option value="agera-varmland">AGERA Värmland</option>' in page
    invited = client.post(
        "/consortia/sutohamu/members",
        data={"tenant": "agera-varmland", "csrf_token": csrf_token(page)},
    )
    assert invited.status_code == 302
    page = client.get("/consortia/sutohamu/").get_data(as_text=True)
    assert '<option value="agera-varmland">' not in page  # listed as invited instead
    assert "AGERA Värmland" in page.split('id="invitations"')[1]
    assert client.get("/t/agera-varmland/admin/members").status_code == 404  # not yet
    client.get("/logout")
    login(client, tenant_pair.platform_admin)
    page = client.get("/t/agera-varmland/admin/consortia/").get_data(as_text=True)
    invitation = page.split('data-invitation="')[1].split('"')[0]
    accepted = client.post(
        f"/t/agera-varmland/admin/consortia/invitations/{invitation}/accept",
        data={"csrf_token": csrf_token(page), "on_behalf": "yes"},
    )
    assert accepted.status_code == 302
    client.get("/logout")
    login(client, tenant_pair.consortium_admin)
    assert client.get("/t/agera-varmland/admin/members").status_code == 200
    page = client.get("/consortia/sutohamu/").get_data(as_text=True)
    removed = client.post(
        "/consortia/sutohamu/members/agera-varmland/remove", data={"csrf_token": csrf_token(page)}
    )
    assert removed.status_code == 302
    assert (
        client.post(
            "/consortia/sutohamu/members/agera-varmland/remove",
            data={"csrf_token": csrf_token(page)},
        ).status_code
        == 404
    )


def test_consortium_level_module_settings(client, login, db, app, tenant_pair, with_plugins):
    with_plugins(tenant_pair.a, "testplugin")
    login(client, tenant_pair.consortium_admin)
    url = "/consortia/sutohamu/modules/testplugin/settings"
    assert "Testmodul" in client.get(url).get_data(as_text=True)
    bad = form_post(client, url, {"config": '{"colour": "blue"}'})
    assert bad.status_code == 422
    assert form_post(client, url, {"config": '{"max_notes": 7}'}).status_code == 302
    client.get("/logout")
    login(client, tenant_pair.admin_a)
    page = client.get("/t/sunne/admin/modules/testplugin").get_data(as_text=True)
    assert "&#34;max_notes&#34;: 7" in page or '"max_notes": 7' in page
    assert client.get("/consortia/sutohamu/modules/testplugin/settings").status_code == 404


def test_platform_admin_appoints_and_removes_consortium_admins(client, login, tenant_pair):
    login(client, tenant_pair.platform_admin)
    url = "/consortia/sutohamu/admins"
    assert "kons@sutohamu.test" in client.get(url).get_data(as_text=True)
    unknown = form_post(client, url, {"email": "nobody@sutohamu.test"})
    assert unknown.status_code == 422
    assert "Det finns ingen användare med den e-postadressen." in unknown.get_data(as_text=True)
    assert form_post(client, url, {"email": "admin@sunne.test"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "admin@sunne.test" in page
    removed = client.post(
        f"/consortia/sutohamu/admins/{tenant_pair.admin_a.id}/remove",
        data={"csrf_token": csrf_token(page)},
    )
    assert removed.status_code == 302
    assert "admin@sunne.test" not in client.get(url).get_data(as_text=True)


def test_consortium_admins_see_but_cannot_appoint(client, login, tenant_pair):
    login(client, tenant_pair.consortium_admin)
    url = "/consortia/sutohamu/admins"
    page = client.get(url).get_data(as_text=True)
    assert "kons@sutohamu.test" in page
    assert 'name="email"' not in page
    token = csrf_token(page)
    assert (
        client.post(url, data={"email": "admin@sunne.test", "csrf_token": token}).status_code == 403
    )
