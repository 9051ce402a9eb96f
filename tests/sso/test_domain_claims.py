"""E-mail domains claimed from the tenant's settings page are pending until a platform
administrator approves them; pending claims do nothing; decisions are audited in the
tenant's chain and the platform's; the operator's CLI verifies directly."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from sqlalchemy import select
from ssokit import audit, flashed, sso_login

from samverka.auth.models import User
from samverka.auth.sso import domains
from samverka.auth.sso import services as sso
from samverka.auth.sso.models import SsoDomain
from samverka.db import TenantScope, scoped
from samverka.testing.fixtures import csrf_token, form_post

PAGE = "/t/sunne/admin/sso"
CLAIMS = "/admin/sso-domains"


def settings_form(issuer: str, domains_text: str, **extra: str) -> dict:
    return {
        "issuer": issuer,
        "client_id": "sunne-app",
        "client_secret": "sunne-secret",
        "scopes": "openid email profile",
        "email_claim": "email",
        "groups_claim": "groups",
        "role_map": "sunne-admins=tenant_admin\nsunne-staff=reader",
        "domains": domains_text,
        "mfa_amr": "mfa",
        "mfa_acr": "",
        "enabled": "y",
        **extra,
    }


def claim_row(db, name: str) -> SsoDomain | None:
    db.expire_all()
    return db.scalar(select(SsoDomain).where(SsoDomain.domain == name))


def as_admin(app, login, user) -> FlaskClient:
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login(browser, user)


def decide(browser: FlaskClient, claim_id: int, verb: str):
    token = csrf_token(browser.get(CLAIMS).get_data(as_text=True))
    return browser.post(f"{CLAIMS}/{claim_id}/{verb}", data={"csrf_token": token})


def test_a_claimed_domain_does_nothing_until_a_platform_admin_approves_it(
    app, client, login, db, tenant_pair, provider
):
    admin = as_admin(app, login, tenant_pair.admin_a)
    response = form_post(admin, PAGE, settings_form(provider.issuer, "sunne.test"))
    assert response.status_code == 302
    assert "approved" in admin.get(PAGE).get_data(as_text=True)  # the flashed note
    page = admin.get(PAGE).get_data(as_text=True)
    assert 'data-domain="sunne.test" data-status="pending"' in page
    claim = claim_row(db, "sunne.test")
    assert claim is not None and claim.verified_at is None
    (claimed,) = audit(db, "sso.domain_claim")
    assert (claimed.tenant_id, claimed.details) == (
        tenant_pair.a.id,
        {"domain": "sunne.test", "pending": True},
    )

    # pending: the login page does not route the domain, the provider creates no account
    assert sso.tenant_for_email(db, "anna@sunne.test") is None
    token = csrf_token(client.get("/login").get_data(as_text=True))
    lookup = client.post("/login/sso", data={"org_email": "anna@sunne.test", "csrf_token": token})
    assert lookup.status_code == 422
    response = sso_login(client, "anna")
    assert response.headers["Location"].endswith("/login")
    assert db.scalar(select(User).where(User.email == "anna@sunne.test")) is None

    root = as_admin(app, login, tenant_pair.platform_admin)
    listing = root.get(CLAIMS).get_data(as_text=True)
    assert 'data-domain="sunne.test"' in listing.split('id="verified-domains"')[0]
    assert decide(root, claim.id, "approve").status_code == 302
    claim = claim_row(db, "sunne.test")
    assert claim.verified_at is not None and claim.verified_via == "platform_admin"
    verified = sorted(audit(db, "sso.domain_verify"), key=lambda e: e.tenant_id or 0)
    assert [(e.tenant_id, e.actor_user_id) for e in verified] == [
        (None, tenant_pair.platform_admin.id),  # the platform's chain
        (tenant_pair.a.id, tenant_pair.platform_admin.id),  # and the tenant's
    ]
    assert verified[1].details == {
        "domain": "sunne.test",
        "via": "platform_admin",
        "tenant_id": tenant_pair.a.id,
    }
    assert 'data-status="verified"' in admin.get(PAGE).get_data(as_text=True)

    # verified: routed, and the provider may now create Anna's account (bound to it)
    assert sso.tenant_for_email(db, "anna@sunne.test").slug == "sunne"
    assert sso_login(FlaskClient(app), "anna").headers["Location"].endswith("/t/sunne/")
    anna = db.scalar(select(User).where(User.email == "anna@sunne.test"))
    assert (anna.idp_tenant_id, anna.idp_subject) == (tenant_pair.a.id, "anna")
    assert decide(root, claim.id, "approve").status_code == 302  # twice: a message, no change
    assert len(audit(db, "sso.domain_verify")) == 2


def test_rejecting_a_claim_frees_the_domain_and_is_audited(
    app, login, db, registry, tenant_pair, provider
):
    admin = as_admin(app, login, tenant_pair.admin_a)
    form_post(admin, PAGE, settings_form(provider.issuer, "kommun.test"))
    claim = claim_row(db, "kommun.test")
    other = as_admin(app, login, tenant_pair.admin_b)
    taken = form_post(
        other,
        "/t/torsby/admin/sso",
        settings_form(provider.issuer, "kommun.test", client_id="torsby-app"),
    )
    assert taken.status_code == 422  # one organisation per domain, pending or not
    assert "already belongs to another organisation" in taken.get_data(as_text=True)

    root = as_admin(app, login, tenant_pair.platform_admin)
    assert decide(root, claim.id, "reject").status_code == 302
    assert claim_row(db, "kommun.test") is None
    rejected = sorted(audit(db, "sso.domain_reject"), key=lambda e: e.tenant_id or 0)
    assert [e.tenant_id for e in rejected] == [None, tenant_pair.a.id]
    assert rejected[1].details == {
        "domain": "kommun.test",
        "was_verified": False,
        "tenant_id": tenant_pair.a.id,
    }
    assert 'data-domain="kommun.test"' not in admin.get(PAGE).get_data(as_text=True)
    again = form_post(
        other,
        "/t/torsby/admin/sso",
        settings_form(provider.issuer, "kommun.test", client_id="torsby-app"),
    )
    assert again.status_code == 302
    assert claim_row(db, "kommun.test").tenant_id == tenant_pair.b.id


def test_the_claims_page_is_for_platform_administrators_only(
    app, client, login, db, tenant_pair, provider
):
    admin = as_admin(app, login, tenant_pair.admin_a)
    form_post(admin, PAGE, settings_form(provider.issuer, "sunne.test"))
    claim = claim_row(db, "sunne.test")
    assert client.get(CLAIMS).status_code == 302  # to the login page
    for user in (tenant_pair.admin_a, tenant_pair.consortium_admin):
        browser = as_admin(app, login, user)
        assert browser.get(CLAIMS).status_code == 403
        token = csrf_token(browser.get("/account/").get_data(as_text=True))
        refused = browser.post(f"{CLAIMS}/{claim.id}/approve", data={"csrf_token": token})
        assert refused.status_code == 403
    assert claim_row(db, "sunne.test").verified_at is None
    root = as_admin(app, login, tenant_pair.platform_admin)
    assert root.post(f"{CLAIMS}/{claim.id}/approve").status_code == 400  # no CSRF token
    assert decide(root, 999999, "approve").status_code == 404
    assert claim_row(db, "sunne.test").verified_at is None
    assert audit(db, "sso.domain_verify") == []


def test_removing_a_domain_removes_its_verification(
    app, login, db, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer, domains=["sunne.test", "kommun.test"])
    assert claim_row(db, "kommun.test").verified_via == "operator"
    admin = as_admin(app, login, tenant_pair.admin_a)
    assert form_post(admin, PAGE, settings_form(provider.issuer, "sunne.test")).status_code == 302
    assert claim_row(db, "kommun.test") is None
    assert claim_row(db, "sunne.test").verified_at is not None  # kept as it was
    (removed,) = audit(db, "sso.domain_remove")
    assert removed.details == {"domain": "kommun.test", "was_verified": True}
    form_post(admin, PAGE, settings_form(provider.issuer, "sunne.test\nkommun.test"))
    assert claim_row(db, "kommun.test").verified_at is None  # claimed again: pending again


def test_removing_the_provider_removes_its_domains(
    app, login, db, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    admin = as_admin(app, login, tenant_pair.admin_a)
    token = csrf_token(admin.get(PAGE).get_data(as_text=True))
    assert admin.post(PAGE + "/remove", data={"csrf_token": token}).status_code == 302
    assert claim_row(db, "sunne.test") is None
    assert sso.tenant_for_email(db, "anna@sunne.test") is None


def test_a_tenant_admin_cannot_claim_a_domain_of_platform_or_consortium_admins(
    app, login, db, registry, tenant_pair, provider
):
    """samverka.test: the platform admin's; sutohamu.test: the consortium admin's."""
    admin = as_admin(app, login, tenant_pair.admin_a)
    for name in ("samverka.test", "sutohamu.test"):
        response = form_post(admin, PAGE, settings_form(provider.issuer, name))
        assert response.status_code == 422, name
        assert "used by accounts of another organisation" in response.get_data(as_text=True)
    assert db.scalars(select(SsoDomain)).all() == []


def test_the_operator_approves_and_rejects_from_the_command_line(
    db, registry, tenant_pair, provider, operator
):
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        sso.set_provider(
            db,
            registry,
            tenant_pair.a,
            sso.ProviderSettings(
                issuer=provider.issuer,
                client_id="sunne-app",
                client_secret="sunne-secret",
                role_map={"sunne-staff": "reader"},
                domains=["sunne.test", "kommun.test"],
            ),
        )  # as the settings page does: pending
    db.commit()
    pending = json.loads(operator("idp", "domain", "list", "--pending", "--json").stdout)
    assert sorted((c["domain"], c["tenant"], c["status"]) for c in pending) == [
        ("kommun.test", "sunne", "pending"),
        ("sunne.test", "sunne", "pending"),
    ]
    shown = json.loads(operator("idp", "show", "sunne", "--json").stdout)
    assert shown["pending_domains"] == ["kommun.test", "sunne.test"]

    approved = json.loads(operator("idp", "domain", "approve", "Sunne.test", "--json").stdout)
    assert (approved["domain"], approved["status"]) == ("sunne.test", "verified")
    assert claim_row(db, "sunne.test").verified_via == "operator"
    assert [e.actor_kind for e in audit(db, "sso.domain_verify")] == ["operator", "operator"]
    again = operator("idp", "domain", "approve", "sunne.test", ok=False)
    assert again.exit_code == 1 and "already verified" in again.stderr
    unknown = operator("idp", "domain", "approve", "nowhere.test", ok=False)
    assert unknown.exit_code == 1 and "No organisation has claimed" in unknown.stderr

    operator("idp", "domain", "reject", "kommun.test")
    assert claim_row(db, "kommun.test") is None
    assert {e.tenant_id for e in audit(db, "sso.domain_reject")} == {tenant_pair.a.id, None}
    listed = operator("idp", "domain", "list").stdout
    assert listed.strip() == "sunne.test\tsunne\tverified"


def test_the_operators_idp_set_verifies_at_once(db, tenant_pair, provider, operator):
    operator(
        "idp", "set", "sunne", "--issuer", provider.issuer, "--client-id", "sunne-app",
        "--client-secret-stdin", "--domains", "sunne.test", input="sunne-secret\n",
    )  # fmt: skip
    assert claim_row(db, "sunne.test").verified_via == "operator"
    assert domains.verified_domains(db, tenant_pair.a) == ["sunne.test"]


def test_the_login_page_lookup_gets_a_clear_message_for_a_pending_domain(
    app, login, db, tenant_pair, provider
):
    admin = as_admin(app, login, tenant_pair.admin_a)
    form_post(admin, PAGE, settings_form(provider.issuer, "sunne.test"))
    visitor = app.test_client()
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = csrf_token(visitor.get("/login").get_data(as_text=True))
    answer = visitor.post("/login/sso", data={"org_email": "x@sunne.test", "csrf_token": token})
    assert answer.status_code == 422
    assert "No organisation logs in with that e-mail domain" in answer.get_data(as_text=True)
    assert flashed(visitor)  # the page still renders
