"""An account is bound to where it logs in: a provider signs in the accounts bound to it
(tenant + ``sub``), creates new ones bound to it, and never takes an existing account by
its e-mail; a password account is linked only by its owner, signed in, from /account."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from ssokit import audit, flashed, sso_login, through_provider

from samverka.auth import services as accounts
from samverka.auth.models import User
from samverka.auth.sso.models import SsoRoleGrant
from samverka.db import TenantScope, scoped
from samverka.lifecycle import deletion
from samverka.tenants.models import Membership
from samverka.testing.fixtures import csrf_token

STAFF = {"email_verified": True, "groups": ["sunne-staff"]}


def user(db, email: str) -> User | None:
    db.expire_all()
    return db.scalar(select(User).where(User.email == email))


def users(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count(User.id)))


def english(app) -> FlaskClient:
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return browser


def refused(browser: FlaskClient, response) -> str:
    """The login page's message after a refused SSO login (nobody signed in)."""
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    with browser.session_transaction() as session:
        assert "user_id" not in session
    return flashed(browser)


def start_link(browser: FlaskClient):
    token = csrf_token(browser.get("/account/").get_data(as_text=True))
    return browser.post("/account/sso-link", data={"csrf_token": token})


def link_through_provider(browser: FlaskClient, login_name: str):
    started = start_link(browser)
    assert started.status_code == 302, started.get_data(as_text=True)[:300]
    return browser.get(through_provider(started.headers["Location"], login_name))


def test_a_new_account_is_bound_to_the_provider_by_sub(app, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    assert sso_login(english(app), "anna").headers["Location"].endswith("/t/sunne/")
    anna = user(db, "anna@sunne.test")
    assert (anna.idp_tenant_id, anna.idp_subject, anna.password_hash) == (
        tenant_pair.a.id,
        "anna",
        None,
    )
    (bound,) = audit(db, "sso.account_bind")
    assert (bound.tenant_id, bound.target_id, bound.details) == (
        tenant_pair.a.id,
        str(anna.id),
        {"how": "created"},
    )


def test_another_subject_with_the_same_email_is_refused(app, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    sso_login(english(app), "anna")
    provider.accounts(impostor={"email": "anna@sunne.test", **STAFF})
    before = users(db)
    browser = english(app)
    message = refused(browser, sso_login(browser, "impostor"))
    assert "already linked to another login" in message
    assert users(db) == before
    assert user(db, "anna@sunne.test").idp_subject == "anna"
    failed = audit(db, "auth.login_failed")[-1]
    assert failed.details["reason"] == "other_subject"
    assert "anna@sunne.test" not in str(failed.details)  # no claim values in the log


def test_the_bound_account_is_found_by_sub_not_by_email(app, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    sso_login(english(app), "anna")
    first = user(db, "anna@sunne.test")
    provider.accounts(anna={"email": "anna.andersson@sunne.test", **STAFF})  # renamed at work
    assert sso_login(english(app), "anna").headers["Location"].endswith("/t/sunne/")
    assert user(db, "anna.andersson@sunne.test") is None  # no second account
    assert user(db, "anna@sunne.test").id == first.id


def test_a_password_account_is_refused_until_its_owner_links_it(
    app, db, login, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    provider.accounts(reader={"email": "reader@sunne.test", **STAFF})
    browser = english(app)
    message = refused(browser, sso_login(browser, "reader"))
    assert "Log in with your password" in message
    assert not user(db, "reader@sunne.test").is_bound
    assert audit(db, "auth.login_failed")[-1].details["reason"] == "password_account"

    owner = login(english(app), tenant_pair.reader_a)
    page = owner.get("/account/").get_data(as_text=True)
    assert 'id="sso-link"' in page and "Sunne kommun" in page
    answer = link_through_provider(owner, "reader")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/account/")
    assert "Your account is linked to the login of Sunne kommun" in owner.get("/account/").get_data(
        as_text=True
    )
    reader = user(db, "reader@sunne.test")
    assert (reader.idp_tenant_id, reader.idp_subject) == (tenant_pair.a.id, "reader")
    assert reader.password_hash is not None  # the password keeps working
    linked = audit(db, "sso.account_bind")[-1]
    assert (linked.details, linked.actor_user_id) == ({"how": "linked"}, reader.id)

    assert sso_login(english(app), "reader").headers["Location"].endswith("/t/sunne/")
    assert login(english(app), tenant_pair.reader_a)  # and so does the password


def test_linking_refuses_an_assertion_about_another_email(
    app, db, login, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    provider.accounts(colleague={"email": "admin@sunne.test", **STAFF})
    owner = login(english(app), tenant_pair.reader_a)
    answer = link_through_provider(owner, "colleague")
    assert answer.headers["Location"].endswith("/account/")
    assert "another e-mail address" in owner.get("/account/").get_data(as_text=True)
    assert not user(db, "reader@sunne.test").is_bound
    assert not user(db, "admin@sunne.test").is_bound
    denied = audit(db, "sso.account_link")[-1]
    assert (denied.outcome, denied.details["reason"]) == ("denied", "email_mismatch")


def test_linking_refuses_a_login_already_bound_to_another_account(
    app, db, login, registry, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    sso_login(english(app), "anna")  # "anna" is bound to anna@sunne.test
    provider.accounts(anna={"email": "reader@sunne.test", **STAFF})
    owner = login(english(app), tenant_pair.reader_a)
    link_through_provider(owner, "anna")
    assert "already linked to another account" in owner.get("/account/").get_data(as_text=True)
    assert not user(db, "reader@sunne.test").is_bound


def test_linking_refuses_an_account_with_roles_in_another_tenant(
    app, db, login, registry, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    with scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        accounts.add_member(db, registry, tenant_pair.reader_a, tenant_pair.b, "reader")
    db.commit()
    owner = login(english(app), tenant_pair.reader_a)
    started = start_link(owner)  # refused before the provider is asked
    assert started.headers["Location"].endswith("/account/")
    assert "more than one organisation" in owner.get("/account/").get_data(as_text=True)
    assert not user(db, "reader@sunne.test").is_bound
    assert audit(db, "sso.account_link")[-1].details["reason"] == "roles_elsewhere"


def test_linking_refuses_platform_administrators(app, db, login, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer, domains=["sunne.test", "samverka.test"])
    root = login(english(app), tenant_pair.platform_admin)
    assert 'id="sso-link"' in root.get("/account/").get_data(as_text=True)  # offered, but
    start_link(root)
    assert "Platform administrators log in with their password" in root.get("/account/").get_data(
        as_text=True
    )
    assert not user(db, "root@samverka.test").is_bound


def test_no_link_is_offered_without_a_verified_domain(app, login, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer, domains=[])
    owner = login(english(app), tenant_pair.reader_a)
    assert 'id="sso-link"' not in owner.get("/account/").get_data(as_text=True)
    assert start_link(owner).headers["Location"].endswith("/account/")
    assert "login can be linked to your e-mail address" in owner.get("/account/").get_data(
        as_text=True
    )


def test_a_link_flow_needs_the_same_signed_in_account_at_the_end(
    app, db, login, tenant_pair, provider, configure
):
    """The link mark lives in the signed session: logging out ends it, and a login flow
    started later is a login, not a link."""
    configure(tenant_pair.a, provider.issuer)
    provider.accounts(reader={"email": "reader@sunne.test", **STAFF})
    owner = login(english(app), tenant_pair.reader_a)
    location = start_link(owner).headers["Location"]
    token = csrf_token(owner.get("/account/").get_data(as_text=True))
    owner.post("/logout", data={"csrf_token": token})
    answer = owner.get(through_provider(location, "reader"))
    assert answer.headers["Location"].endswith("/login")
    assert not user(db, "reader@sunne.test").is_bound


def test_an_account_sso_made_before_bindings_is_bound_on_its_first_login(
    app, db, registry, tenant_pair, provider, configure
):
    """Upgrading: accounts the tenant's SSO created earlier have no binding yet."""
    configure(tenant_pair.a, provider.issuer)
    legacy = accounts.create_user(db, "anna@sunne.test", "Anna")
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.add_member(db, registry, legacy, tenant_pair.a, "reader")
        db.add(SsoRoleGrant(tenant_id=tenant_pair.a.id, user_id=legacy.id, role="reader"))
        db.commit()
    assert sso_login(english(app), "anna").headers["Location"].endswith("/t/sunne/")
    anna = user(db, "anna@sunne.test")
    assert (anna.id, anna.idp_subject) == (legacy.id, "anna")
    assert audit(db, "sso.account_bind")[-1].details == {"how": "adopted"}


def test_a_passwordless_account_sso_did_not_make_is_not_taken(
    app, db, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    accounts.create_user(db, "anna@sunne.test", "Anna")  # e.g. made by the operator
    db.commit()
    browser = english(app)
    assert "does not belong to this organisation" in refused(browser, sso_login(browser, "anna"))
    assert not user(db, "anna@sunne.test").is_bound


def test_a_bound_account_that_gains_roles_elsewhere_is_refused(
    app, db, registry, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    sso_login(english(app), "anna")
    anna = user(db, "anna@sunne.test")
    with scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        accounts.add_member(db, registry, anna, tenant_pair.b, "reader")
    db.commit()
    browser = english(app)
    assert "more than one organisation" in refused(browser, sso_login(browser, "anna"))


def test_a_changed_issuer_unbinds_the_accounts(app, db, registry, tenant_pair, provider, configure):
    """A ``sub`` is unique only per issuer: another issuer's could name someone else."""
    configure(tenant_pair.a, provider.issuer)
    sso_login(english(app), "anna")
    configure(tenant_pair.a, provider.issuer.replace("127.0.0.1", "localhost"))
    assert not user(db, "anna@sunne.test").is_bound
    cleared = audit(db, "sso.bindings_clear")[-1]
    assert cleared.details == {"reason": "issuer_changed", "accounts": 1}
    configure(tenant_pair.a, provider.issuer)
    sso_login(english(app), "anna")  # made by this tenant's SSO: bound again
    assert user(db, "anna@sunne.test").idp_subject == "anna"


def test_deleting_the_tenant_unbinds_its_accounts(app, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    sso_login(english(app), "anna")
    anna_id = user(db, "anna@sunne.test").id
    with app.app_context():
        deletion.delete_tenant(db, tenant_pair.a)
        db.commit()
    anna = user(db, "anna@sunne.test")
    assert anna.id == anna_id and not anna.is_bound and anna.idp_tenant_id is None
    with scoped(db, TenantScope((), anna_id)):
        assert db.scalars(select(Membership).where(Membership.user_id == anna_id)).all() == []
