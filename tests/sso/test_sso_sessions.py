"""A session reaches only what its establishment vouches for (issue 14, finding 1, the
session half): an SSO session reaches the provider's tenant only, never the account's roles
elsewhere or consortium administration, and an administrator's SSO session needs the
second factor before it reaches anything. Against a real provider (npm oidc-provider)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select
from ssokit import sso_login

from samverka.auth import services as accounts
from samverka.auth.models import User
from samverka.auth.passwords import hash_password
from samverka.auth.session_models import UserSession
from samverka.db import TenantScope, scoped
from samverka.testing.fixtures import csrf_token, enrol_totp, form_post, totp_code


def anna(db) -> User:
    db.expire_all()
    return db.scalar(select(User).where(User.email == "anna@sunne.test"))


def roles_elsewhere(db, registry, tenant_pair, *, consortium_admin: bool) -> User:
    """Anna, signed in through Sunne's provider, is then given a reader's role in Torsby (by
    hand) and maybe the consortium's administration: her provider would refuse her from now
    on (roles elsewhere), but the session she already holds must not reach them either."""
    user = anna(db)
    with scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        accounts.add_member(db, registry, user, tenant_pair.b, "reader")
    if consortium_admin:
        accounts.add_consortium_admin(db, user, tenant_pair.consortium)
    db.commit()
    return user


def test_an_sso_session_reaches_only_the_providers_tenant(
    app, db, registry, tenant_pair, provider, configure, login
):
    configure(tenant_pair.a, provider.issuer)
    browser = FlaskClient(app)
    assert sso_login(browser).headers["Location"].endswith("/t/sunne/")
    roles_elsewhere(db, registry, tenant_pair, consortium_admin=False)
    home = browser.get("/t/sunne/")
    assert home.status_code == 200
    assert browser.get("/t/torsby/").status_code == 404
    assert "samverka-tenant-switcher" not in home.text  # Sunne is the only tenant listed
    assert browser.get("/t/torsby/api-tokens/").status_code == 404
    assert browser.get("/switch?tenant=torsby").status_code == 404
    assert browser.get("/").location.endswith("/t/sunne/")  # the only tenant it reaches
    # a token made in this session is for Sunne, the only tenant it reaches
    made = form_post(browser, "/t/sunne/api-tokens/", {"name": "x", "role": ""})
    assert made.status_code == 200 and 'id="new-token"' in made.text
    # the same account, logged in with a password, reaches Torsby
    anna(db).password_hash = hash_password("a password for anna only")
    db.commit()
    password_browser = login(FlaskClient(app), anna(db), "a password for anna only")
    assert password_browser.get("/t/torsby/").status_code == 200


def test_a_consortium_admins_sso_session_stops_at_the_code_step(
    app, db, registry, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    browser = FlaskClient(app)
    sso_login(browser)
    user = roles_elsewhere(db, registry, tenant_pair, consortium_admin=True)
    secret = enrol_totp(db, user.id)
    stopped = browser.get("/t/sunne/")
    assert stopped.status_code == 302 and "/login/verify" in stopped.location
    page = browser.get(stopped.location)
    assert page.status_code == 200
    refused = browser.post(
        "/t/sunne/api-tokens/", data={"name": "x", "csrf_token": csrf_token(page.text)}
    )
    assert refused.status_code == 403
    wrong = browser.post(
        stopped.location, data={"code": "000000", "csrf_token": csrf_token(page.text)}
    )
    assert wrong.status_code == 422
    done = browser.post(
        stopped.location, data={"code": totp_code(secret), "csrf_token": csrf_token(page.text)}
    )
    assert done.status_code == 302 and done.location.endswith("/t/sunne/")
    assert browser.get("/t/sunne/").status_code == 200
    row = db.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    ).all()[-1]
    assert row.second_factor_at is not None and row.method == "sso"
    # with its second factor, still only the provider's tenant: no consortium administration
    assert browser.get("/consortia/sutohamu/").status_code == 404
    assert browser.get("/t/torsby/").status_code == 404
    assert "sutohamu" not in browser.get("/", follow_redirects=True).text


def test_an_unenrolled_administrators_sso_session_is_sent_to_enrolment(
    app, db, registry, tenant_pair, provider, configure
):
    configure(tenant_pair.a, provider.issuer)
    browser = FlaskClient(app)
    sso_login(browser)
    roles_elsewhere(db, registry, tenant_pair, consortium_admin=True)
    stopped = browser.get("/t/sunne/")
    assert stopped.status_code == 302 and "/account/mfa/setup" in stopped.location
    page = browser.get("/account/mfa/setup").text
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    enrolled = form_post(browser, "/account/mfa/setup", {"code": totp_code(secret)})
    assert enrolled.status_code == 200
    # enrolling satisfied the second factor; the new session is as bound as the old one
    assert browser.get("/t/sunne/").status_code == 200
    assert browser.get("/consortia/sutohamu/").status_code == 404
    assert browser.get("/t/torsby/").status_code == 404
    live = db.scalars(select(UserSession).where(UserSession.ended_at.is_(None))).all()
    assert [(row.method, row.sso_tenant_id) for row in live] == [("sso", tenant_pair.a.id)]
    assert live[0].second_factor_at is not None


def test_logout_ends_the_sso_session_row(app, db, tenant_pair, provider, configure):
    configure(tenant_pair.a, provider.issuer)
    browser = FlaskClient(app)
    sso_login(browser)
    thief = FlaskClient(app)
    thief.set_cookie("samverka_session", browser.get_cookie("samverka_session").value)
    token = csrf_token(browser.get("/t/sunne/").text)
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 200  # onward
    assert thief.get("/t/sunne/").status_code == 302
    row = db.scalars(select(UserSession)).one()
    assert row.end_reason == "logout" and row.sso_id_token is None
