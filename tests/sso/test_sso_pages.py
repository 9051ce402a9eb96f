"""The login page's "log in with your organisation" form and the tenant's settings page."""

from __future__ import annotations

from ssokit import onward_target

from samverka.auth.sso import services as sso
from samverka.db import TenantScope, scoped
from samverka.testing.fixtures import csrf_token, form_post

PAGE = "/t/sunne/admin/sso"


def configure(db, registry, tenant, **overrides):
    values = dict(
        issuer="https://login.sunne.se",
        client_id="samverka",
        client_secret="the-secret",
        role_map={"staff": "reader"},
        domains=["sunne.se"],
    )
    values.update(overrides)
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        sso.set_provider(db, registry, tenant, sso.ProviderSettings(**values), trusted=True)
    db.commit()


def lookup(client, email: str):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/login/sso", data={"org_email": email, "csrf_token": token})


def test_the_login_page_sends_a_known_domain_to_its_organisations_sso(
    client, db, registry, tenant_pair
):
    configure(db, registry, tenant_pair.a)
    page = client.get("/login").get_data(as_text=True)
    assert 'id="org_email"' in page and 'id="password"' in page
    response = lookup(client, "Anna@Sunne.se")
    assert onward_target(response) == "/login/sso/sunne"  # no form-driven cross-origin redirect


def test_an_unknown_domain_gets_a_swedish_message(client, db, registry, tenant_pair):
    response = lookup(client, "anna@example.se")
    assert response.status_code == 422
    assert "Ingen organisation loggar in med den e-postdomänen" in response.get_data(as_text=True)


def test_a_tenant_without_sso_says_so(client, tenant_pair):
    response = client.get("/login/sso/sunne")
    assert response.headers["Location"].endswith("/login")
    assert "inte inställd" in client.get("/login").get_data(as_text=True)
    assert client.get("/login/sso/nowhere").headers["Location"].endswith("/login")


def test_a_disabled_provider_does_not_start_a_flow(client, db, registry, tenant_pair):
    configure(db, registry, tenant_pair.a, enabled=False)
    assert client.get("/login/sso/sunne").headers["Location"].endswith("/login")


def test_the_settings_page_is_for_administrators(client, login, tenant_pair):
    login(client, tenant_pair.reader_a)
    assert client.get(PAGE).status_code == 403
    assert client.get("/t/torsby/admin/sso").status_code == 404
    platform = client.application.test_client()
    login(platform, tenant_pair.platform_admin)
    assert platform.get(PAGE).status_code == 200
    # an organisation's login is its own: not its consortium's administrators' (issue 14)
    consortium = client.application.test_client()
    login(consortium, tenant_pair.consortium_admin)
    assert consortium.get("/t/sunne/admin/members").status_code == 200
    assert consortium.get(PAGE).status_code == 403


def test_an_administrator_sets_up_sso_and_the_secret_stays_write_only(
    client, login, db, registry, tenant_pair
):
    login(client, tenant_pair.admin_a)
    admin_menu = client.get("/t/sunne/menu/admin").get_data(as_text=True)  # Administration
    assert "Inloggning via organisationen" in admin_menu
    data = {
        "issuer": "https://login.sunne.se",
        "client_id": "samverka",
        "client_secret": "first-secret",
        "scopes": "openid email profile",
        "email_claim": "email",
        "groups_claim": "groups",
        "role_map": "staff=reader\nadmins=tenant_admin",
        "domains": "sunne.se",
        "enabled": "y",
    }
    assert form_post(client, PAGE, data).status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "first-secret" not in page and "admins=tenant_admin" in page
    assert (
        form_post(client, PAGE, {**data, "client_secret": "", "client_id": "v2"}).status_code == 302
    )
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        provider = sso.get_provider(db, tenant_pair.a)
        assert (provider.client_id, provider.client_secret) == ("v2", "first-secret")
        assert provider.role_map == {"staff": "reader", "admins": "tenant_admin"}


def test_bad_settings_show_a_form_error_and_change_nothing(
    client, login, db, registry, tenant_pair
):
    configure(db, registry, tenant_pair.a)
    login(client, tenant_pair.admin_a)
    response = form_post(
        client,
        PAGE,
        {
            "issuer": "https://login.sunne.se",
            "client_id": "changed",
            "scopes": "openid",
            "email_claim": "email",
            "groups_claim": "groups",
            "role_map": "staff=overlord",
            "domains": "sunne.se",
        },
    )
    assert response.status_code == 422
    assert "Okänd roll" in response.get_data(as_text=True)
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        assert sso.get_provider(db, tenant_pair.a).client_id == "samverka"


def test_removing_the_settings(client, login, db, registry, tenant_pair):
    configure(db, registry, tenant_pair.a)
    login(client, tenant_pair.admin_a)
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    assert client.post(PAGE + "/remove", data={"csrf_token": token}).status_code == 302
    assert sso.tenant_for_email(db, "a@sunne.se") is None
