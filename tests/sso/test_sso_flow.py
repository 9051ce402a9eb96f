"""The SSO round trip against a real provider (npm oidc-provider): real HTTP, real signed ID
tokens. Each refusal lands on /login with a Swedish message, never a 500, and provisions
nothing."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urljoin, urlsplit

from flask.testing import FlaskClient
from sqlalchemy import func, select
from ssokit import APP, flashed, free_port, onward_target, sso_login, start, through_provider

from samverka.auth.models import User
from samverka.auth.session_models import UserSession
from samverka.auth.sso.models import SsoRoleGrant
from samverka.db import TenantScope, scoped
from samverka.tenants.models import Membership
from samverka.testing.fixtures import create_test_app, csrf_token

FAILED = "Inloggningen via din organisation misslyckades"


def roles(db, tenant, email: str) -> set[str]:
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return set(
            db.scalars(
                select(Membership.role)
                .join(User, User.id == Membership.user_id)
                .where(User.email == email, Membership.tenant_id == tenant.id)
            )
        )


def user_count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count(User.id)))


def assert_refused(client: FlaskClient, response, db, users_before: int, message: str) -> None:
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert message in flashed(client)
    assert user_count(db) == users_before, "a refused login provisioned a user"
    with client.session_transaction() as session:
        assert "sid" not in session


def test_first_login_provisions_the_user_with_mapped_roles(
    client, db, tenant_pair, provider, configure, caplog
):
    configure(tenant_pair.a, provider.issuer)
    caplog.set_level(logging.INFO, logger="samverka.sso")
    location = start(client)
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["nonce"] and query["state"]
    callback = through_provider(location, "anna")
    response = client.get(callback)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/t/sunne/")
    assert client.get("/t/sunne/").status_code == 200
    user = db.scalar(select(User).where(User.email == "anna@sunne.test"))
    assert user.name == "Anna Andersson" and user.password_hash is None
    assert roles(db, tenant_pair.a, "anna@sunne.test") == {"reader"}
    assert roles(db, tenant_pair.b, "anna@sunne.test") == set()
    established = db.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert established.method == "sso" and established.sso_tenant_id == tenant_pair.a.id
    code = parse_qs(urlsplit(callback).query)["code"][0]
    assert code not in caplog.text and "sso login for tenant sunne" in caplog.text


def test_a_later_login_updates_the_roles_sso_granted_only(
    client, db, registry, tenant_pair, provider, configure
):
    from samverka.auth import services as accounts

    configure(tenant_pair.a, provider.issuer)
    assert sso_login(client).status_code == 302
    anna = db.scalar(select(User).where(User.email == "anna@sunne.test"))
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        accounts.add_member(db, registry, anna, tenant_pair.a, "coordinator")  # by hand
    db.commit()
    provider.accounts(
        anna={"email": "anna@sunne.test", "email_verified": True, "groups": ["sunne-admins"]}
    )
    assert sso_login(FlaskClient(client.application)).status_code == 302
    assert roles(db, tenant_pair.a, "anna@sunne.test") == {"tenant_admin", "coordinator"}
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        granted = set(db.scalars(select(SsoRoleGrant.role)))
    assert granted == {"tenant_admin"}


def test_no_mapped_group_refuses_and_takes_back_sso_roles(
    client, db, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    sso_login(client)
    provider.accounts(anna={"email": "anna@sunne.test", "groups": ["canteen"]})
    other = FlaskClient(client.application)
    response = sso_login(other)
    assert_refused(other, response, db, user_count(db), "ingen matchande grupp")
    assert roles(db, tenant_pair.a, "anna@sunne.test") == set()


def test_claims_missing_from_the_id_token_come_from_userinfo(
    client, db, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    provider.mutate_next_id_token(unset=["email", "groups", "name"])
    assert sso_login(client).headers["Location"].endswith("/t/sunne/")
    assert roles(db, tenant_pair.a, "anna@sunne.test") == {"reader"}


def test_wrong_audience_is_refused(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    before = user_count(db)
    provider.mutate_next_id_token(set={"aud": "torsby-app"})
    assert_refused(client, sso_login(client), db, before, FAILED)


def test_another_clients_token_naming_us_as_azp_is_refused(
    client, db, tenant_pair, provider, configure
):
    """Authlib alone would accept this one (it checks aud only through azp)."""
    configure(tenant_pair.a, provider.issuer)
    before = user_count(db)
    provider.mutate_next_id_token(set={"aud": "torsby-app", "azp": "sunne-app"})
    assert_refused(client, sso_login(client), db, before, FAILED)


def test_a_token_signed_with_an_unpublished_key_is_refused(
    client, db, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    before = user_count(db)
    provider.mutate_next_id_token(foreign_key=True)
    assert_refused(client, sso_login(client), db, before, FAILED)


def test_an_extra_audience_without_azp_is_refused(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    before = user_count(db)
    provider.mutate_next_id_token(set={"aud": ["sunne-app", "torsby-app"]}, unset=["azp"])
    assert_refused(client, sso_login(client), db, before, FAILED)


def test_wrong_issuer_is_refused(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    before = user_count(db)
    provider.mutate_next_id_token(set={"iss": "http://127.0.0.1:1/other-issuer"})
    assert_refused(client, sso_login(client), db, before, FAILED)


def test_an_expired_token_is_refused(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    before = user_count(db)
    now = int(time.time())
    provider.mutate_next_id_token(set={"iat": now - 7200, "exp": now - 3600})
    assert_refused(client, sso_login(client), db, before, FAILED)


def test_a_nonce_mismatch_is_refused(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    before = user_count(db)
    provider.mutate_next_id_token(set={"nonce": "not-the-one-we-sent"})
    assert_refused(client, sso_login(client), db, before, FAILED)


def test_a_token_without_nonce_is_refused(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    before = user_count(db)
    provider.mutate_next_id_token(unset=["nonce"])
    assert_refused(client, sso_login(client), db, before, FAILED)


def test_a_replayed_state_is_refused(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    callback = through_provider(start(client), "anna")
    assert client.get(callback).status_code == 302
    stranger = FlaskClient(client.application)
    before = user_count(db)
    assert_refused(stranger, stranger.get(callback), db, before, FAILED)
    replay = client.get(callback)  # the same browser again: the state was used up
    assert replay.headers["Location"].endswith("/login")


def test_a_missing_state_is_refused(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    before = user_count(db)
    callback = through_provider(start(client), "anna")
    code = parse_qs(urlsplit(callback).query)["code"][0]
    response = client.get(f"/login/sso/sunne/callback?code={code}")
    assert_refused(client, response, db, before, FAILED)


def test_an_email_domain_the_tenant_does_not_own_is_refused(
    client, db, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    before = user_count(db)
    response = sso_login(client, "tor")  # tor@torsby.test, in a mapped group
    assert_refused(client, response, db, before, "tillhör inte den här organisationen")


def test_an_unverified_email_is_refused(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    provider.accounts(
        anna={"email": "anna@sunne.test", "email_verified": False, "groups": ["sunne-staff"]}
    )
    before = user_count(db)
    assert_refused(client, sso_login(client), db, before, "inte verifierat")


def test_without_domains_another_tenants_account_is_not_taken_over(
    client, db, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer, domains=[])
    provider.accounts(
        admin={"email": "admin@torsby.test", "email_verified": True, "groups": ["sunne-admins"]}
    )
    before = user_count(db)
    assert_refused(
        client, sso_login(client, "admin"), db, before, "tillhör inte den här organisationen"
    )
    assert roles(db, tenant_pair.a, "admin@torsby.test") == set()


def test_a_platform_administrator_cannot_come_in_through_an_organisation(
    client, db, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer, domains=["sunne.test", "samverka.test"])
    provider.accounts(
        root={"email": "root@samverka.test", "email_verified": True, "groups": ["sunne-admins"]}
    )
    before = user_count(db)
    assert_refused(client, sso_login(client, "root"), db, before, "Plattformsadministratörer")
    assert roles(db, tenant_pair.a, "root@samverka.test") == set()


def test_cancelling_at_the_provider_returns_to_the_login_page(
    client, db, tenant_pair, provider, configure
):
    import html
    import re

    import requests

    configure(tenant_pair.a, provider.issuer)
    before = user_count(db)
    browser = requests.Session()
    page = browser.get(start(client), timeout=10)
    abort = html.unescape(re.search(r'href="([^"]*/abort)"', page.text).group(1))
    answer = browser.get(urljoin(page.url, abort), allow_redirects=False, timeout=10)
    location = urljoin(answer.url, answer.headers["Location"])
    while not location.startswith(APP):
        answer = browser.get(location, allow_redirects=False, timeout=10)
        location = urljoin(answer.url, answer.headers["Location"])
    callback = location
    assert "error=access_denied" in callback
    assert_refused(client, client.get(callback), db, before, FAILED)


def test_tenant_a_flow_cannot_sign_into_tenant_b(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    configure(tenant_pair.b, provider.issuer, client_id="torsby-app")
    before = user_count(db)
    callback = through_provider(start(client, "sunne"), "anna")
    swapped = callback.replace("/login/sso/sunne/", "/login/sso/torsby/")
    assert_refused(client, client.get(swapped), db, before, FAILED)
    assert roles(db, tenant_pair.b, "anna@sunne.test") == set()


def test_provider_down_gives_a_clear_message(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, f"http://127.0.0.1:{free_port()}")
    response = client.get("/login/sso/sunne")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "svarar inte" in flashed(client)
    callback = client.get("/login/sso/sunne/callback?code=x&state=y")
    assert callback.status_code == 302 and "misslyckades" in flashed(client)


def test_changed_settings_take_effect_without_a_restart(
    client, db, tenant_pair, provider, configure
):
    configure(tenant_pair.a, f"http://127.0.0.1:{free_port()}")
    assert client.get("/login/sso/sunne").headers["Location"].endswith("/login")
    configure(tenant_pair.a, provider.issuer, role_map={"sunne-staff": "contributor"})
    assert sso_login(client).status_code == 302  # the same app, no restart
    assert roles(db, tenant_pair.a, "anna@sunne.test") == {"contributor"}


def test_a_flow_started_in_one_process_finishes_in_another(
    client, db, settings, samverka_plugins, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    location = start(client)
    cookie = client.get_cookie("samverka_session").value
    second = create_test_app(settings, samverka_plugins)
    try:
        other = second.test_client()
        other.set_cookie("samverka_session", cookie)
        response = other.get(through_provider(location, "anna"))
        assert response.headers["Location"].endswith("/t/sunne/")
        assert other.get("/t/sunne/").status_code == 200
    finally:
        second.extensions["samverka"].engine.dispose()


def test_logout_ends_the_session_at_the_provider_too(client, db, tenant_pair, provider, configure):
    import requests

    configure(tenant_pair.a, provider.issuer)
    sso_login(client)
    token = csrf_token(client.get("/t/sunne/").get_data(as_text=True))
    location = onward_target(client.post("/logout", data={"csrf_token": token}))
    target = urlsplit(location)
    assert f"{target.scheme}://{target.netloc}{target.path}" == provider.issuer + "/session/end"
    query = parse_qs(target.query)
    assert query["client_id"] == ["sunne-app"]
    assert query["post_logout_redirect_uri"] == [f"{APP}/login"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get("/t/sunne/").status_code == 302  # logged out locally
    page = requests.get(location, timeout=10)
    assert page.status_code == 200 and "logout" in page.text.lower()  # the provider accepts it


def test_logout_is_local_when_the_provider_is_down(client, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    sso_login(client)
    configure(tenant_pair.a, f"http://127.0.0.1:{free_port()}")
    token = csrf_token(client.get("/t/sunne/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/t/sunne/").status_code == 302


def test_password_logout_stays_local(client, login, tenant_pair):
    login(client, tenant_pair.admin_a)
    token = csrf_token(client.get("/t/sunne/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["Location"].endswith("/login")
