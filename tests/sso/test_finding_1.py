"""Finding 1 (issue 14), reproduced step by step: Sunne's tenant administrator saves an
OpenID Connect provider of their own that claims Torsby's and the consortium's e-mail
domains; the provider then asserts Torsby's administrator and the consortium administrator.

Before the fix the settings page took the domains, and the provider's word landed in
Torsby's pages (the session covers every tenant the account belongs to) and signed the
consortium administrator in without their TOTP code. Now the claim is refused, and even with
the domains listed for Sunne by the (trusted) operator, the provider signs neither in."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from ssokit import audit, sso_login

from samverka.auth.models import User
from samverka.auth.sso import services as sso
from samverka.auth.sso.models import SsoDomain
from samverka.db import TenantScope, scoped
from samverka.tenants.models import Membership
from samverka.testing.fixtures import form_post

PAGE = "/t/sunne/admin/sso"


def own_provider_form(issuer: str, domains: str) -> dict:
    """What Sunne's administrator typed: their own provider, someone else's domains."""
    return {
        "issuer": issuer,
        "client_id": "sunne-app",
        "client_secret": "sunne-secret",
        "scopes": "openid email profile",
        "email_claim": "email",
        "groups_claim": "groups",
        "role_map": "sunne-admins=tenant_admin\nsunne-staff=reader",
        "domains": domains,
        "enabled": "y",
    }


def impostors(provider) -> None:
    """The provider Sunne controls vouches for Torsby's admin and the consortium admin."""
    provider.accounts(
        samordnare={
            "email": "admin@torsby.test",
            "email_verified": True,
            "groups": ["sunne-admins"],
        },
        kons={"email": "kons@sutohamu.test", "email_verified": True, "groups": ["sunne-admins"]},
    )


def assert_not_signed_in(app, db, login: str, provider) -> None:
    browser = FlaskClient(app)
    response = sso_login(browser, login)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login"), "the provider signed someone in"
    with browser.session_transaction() as session:
        assert "user_id" not in session
    assert browser.get("/t/torsby/").status_code == 302  # to the login page, not Torsby's
    assert browser.get("/t/sunne/").status_code == 302


def sunne_roles_of(db, tenant, email: str) -> set[str]:
    db.expire_all()
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return set(
            db.scalars(
                select(Membership.role)
                .join(User, User.id == Membership.user_id)
                .where(User.email == email, Membership.tenant_id == tenant.id)
            )
        )


def test_the_settings_page_refuses_another_organisations_domains(
    client, login, db, tenant_pair, provider
):
    impostors(provider)
    login(client, tenant_pair.admin_a)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    for domains in ("torsby.test", "sutohamu.test", "sunne.test\ntorsby.test"):
        response = form_post(client, PAGE, own_provider_form(provider.issuer, domains))
        assert response.status_code == 422, domains
        assert "used by accounts of another organisation" in response.get_data(as_text=True)
    db.expire_all()
    assert db.scalars(select(SsoDomain.domain)).all() == []
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        assert sso.get_provider(db, tenant_pair.a) is None  # nothing stored at all
    # with Sunne's own domain the provider is saved (that claim waits for approval) ...
    response = form_post(client, PAGE, own_provider_form(provider.issuer, "sunne.test"))
    assert response.status_code == 302
    # ... and its word about Torsby's admin or the consortium admin signs neither in
    for login_name in ("samordnare", "kons"):
        assert_not_signed_in(client.application, db, login_name, provider)
    assert sunne_roles_of(db, tenant_pair.a, "admin@torsby.test") == set()
    assert sunne_roles_of(db, tenant_pair.a, "kons@sutohamu.test") == set()
    tried = [(e.target_id, e.details["reason"]) for e in audit(db, "auth.login_failed")]
    assert tried[-2:] == [(None, "foreign_domain")] * 2  # the claim is pending: not Sunne's


def test_the_provider_signs_in_neither_even_with_the_domains_listed(
    client, db, tenant_pair, provider, operator
):
    """The operator (trusted) lists the domains for Sunne by mistake: the provider's word
    about an e-mail still never reaches an account that holds roles elsewhere, a consortium
    administrator or a password account."""
    impostors(provider)
    operator(
        "idp", "set", "sunne", "--issuer", provider.issuer, "--client-id", "sunne-app",
        "--client-secret-stdin", "--role-map", "sunne-admins=tenant_admin",
        "--domains", "sunne.test,torsby.test,sutohamu.test", input="sunne-secret\n",
    )  # fmt: skip
    db.expire_all()
    assert sso.tenant_for_email(db, "admin@torsby.test").slug == "sunne"
    for login_name in ("samordnare", "kons"):
        assert_not_signed_in(client.application, db, login_name, provider)
    assert sunne_roles_of(db, tenant_pair.a, "admin@torsby.test") == set()
    assert sunne_roles_of(db, tenant_pair.a, "kons@sutohamu.test") == set()
    # the platform's chain names the accounts Sunne's provider tried, and why it failed
    tried = [(e.target_id, e.details["reason"]) for e in audit(db, "auth.login_failed")]
    assert tried[-2:] == [
        (str(tenant_pair.admin_b.id), "roles_elsewhere"),
        (str(tenant_pair.consortium_admin.id), "consortium_admin"),
    ]
