"""Server-side sessions (issue 14, findings 4 and 9b): a log-out ends the session for every
copy of its cookie, a password change or reset ends sessions and revokes API tokens, the
cookie carries no credential material, and idle and absolute lifetimes are enforced."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from samverka.audit.models import AuditEntry
from samverka.auth import reset, sessions, tokens
from samverka.auth.models import User
from samverka.auth.session_models import UserSession
from samverka.auth.token_models import ApiToken
from samverka.db import TenantScope, scoped
from samverka.jobs.scheduler import periodic_jobs
from samverka.testing.fixtures import csrf_token, form_post, prepare_totp

COOKIE = "samverka_session"
TOKENS = "/t/sunne/api-tokens/"
NEW_PASSWORD = "a new and long enough password"
ALLOWED_KEYS = {"sid", "locale", "csrf_token", "_flashes", "mfa_pending"}


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def cookie_content(app, client) -> dict:
    """The Flask session cookie decoded with itsdangerous (signed, not encrypted: anyone
    holding it can read it)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(client.get_cookie(COOKIE).value)


def token_count(db, tenant) -> int:
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return db.scalar(select(func.count(ApiToken.id)))


def issue(db, user, tenant) -> str:
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        raw = tokens.issue_token(db, db.get(User, user.id), tenant, name="Skript").raw
        db.commit()
    return raw


def me(client, raw: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code


def revocations(db, tenant) -> list[dict]:
    with scoped(db, TenantScope.for_tenant(tenant.id)):
        return [
            entry.details
            for entry in db.scalars(select(AuditEntry).where(AuditEntry.action == "token.revoke"))
        ]


def test_a_replayed_cookie_is_dead_after_logout(app, client, db, login, tenant_pair):
    login(client, tenant_pair.reader_a)
    thief = copy_of(app, client)
    page = thief.get(TOKENS)
    assert page.status_code == 200  # the copy works while the session lives
    stolen_csrf = csrf_token(page.get_data(as_text=True))
    logout = client.post("/logout", data={"csrf_token": csrf_token(client.get("/t/sunne/").text)})
    assert logout.status_code == 302
    assert thief.get("/t/sunne/").status_code == 302  # to the login page
    created = thief.post(TOKENS, data={"name": "stulen", "role": "", "csrf_token": stolen_csrf})
    assert created.status_code in (302, 400, 401)
    assert "svk_" not in created.get_data(as_text=True)
    assert token_count(db, tenant_pair.a) == 0
    row = db.scalars(select(UserSession)).one()
    assert row.ended_at is not None and row.end_reason == "logout"


def test_the_cookie_carries_no_password_hash_material(app, client, db, login, tenant_pair):
    user = db.get(User, tenant_pair.admin_a.id)
    prepare_totp(app, user)  # an administrator: the password step leaves a pending marker
    token = csrf_token(client.get("/login").text)
    client.post(
        "/login",
        data={"email": user.email, "password": tenant_pair.password, "csrf_token": token},
    )
    for stage in ("after the password", "signed in"):
        if stage == "signed in":
            login(client, tenant_pair.admin_a)
        content = cookie_content(app, client)
        db.expire_all()
        password_hash = db.get(User, user.id).password_hash
        assert set(content) <= ALLOWED_KEYS, (stage, content)
        flat = repr(content)
        for start in range(0, len(password_hash) - 8):
            assert password_hash[start : start + 8] not in flat, stage
    secret = cookie_content(app, client)["sid"]
    row = db.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert row.secret_hash == sessions.digest(secret) and secret not in row.secret_hash


def test_a_password_reset_ends_sessions_and_revokes_api_tokens(app, client, db, login, tenant_pair):
    raw = issue(db, tenant_pair.reader_a, tenant_pair.a)
    api = app.test_client()
    assert me(api, raw) == 200
    login(client, tenant_pair.reader_a)
    with app.app_context():
        _user, link = reset.request_reset(db, tenant_pair.reader_a.email, 30)
        db.commit()
    browser = app.test_client()
    browser.get("/language/en")
    page = browser.get(f"/password/reset/{link}").text
    answer = browser.post(
        f"/password/reset/{link}",
        data={"new_password": NEW_PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert answer.status_code == 302
    assert me(api, raw) == 401
    assert client.get("/t/sunne/").status_code == 302
    assert revocations(db, tenant_pair.a) == [
        {"user_id": tenant_pair.reader_a.id, "reason": "password_reset"}
    ]
    assert "your API tokens will be revoked" in page  # said before, and after:
    assert "API tokens have been revoked" in browser.get("/login").text


def test_a_password_change_revokes_api_tokens_and_other_sessions(
    app, client, db, login, tenant_pair
):
    raw = issue(db, tenant_pair.reader_a, tenant_pair.a)
    other = login(app.test_client(), tenant_pair.reader_a)
    login(client, tenant_pair.reader_a)
    answer = form_post(
        client,
        "/account/password",
        {"current_password": tenant_pair.password, "new_password": NEW_PASSWORD},
    )
    assert answer.status_code == 302
    assert me(app.test_client(), raw) == 401
    assert other.get("/t/sunne/").status_code == 302  # the other browser is out
    assert client.get("/t/sunne/").status_code == 200  # this one goes on, in a new session
    assert revocations(db, tenant_pair.a)[0]["reason"] == "password_change"
    live = db.scalars(select(UserSession).where(UserSession.ended_at.is_(None))).all()
    assert len(live) == 1


def test_the_password_change_page_says_tokens_are_revoked(client, login, tenant_pair):
    login(client, tenant_pair.reader_a)
    client.get("/language/en")
    assert "your API tokens are revoked" in client.get("/account/password").text


def test_an_idle_session_dies(app, client, login, tenant_pair, frozen_clock):
    login(client, tenant_pair.reader_a)
    idle = app.extensions["samverka"].settings.session_idle_minutes
    frozen_clock.advance(seconds=(idle - 1) * 60)
    assert client.get("/t/sunne/").status_code == 200  # use keeps it alive
    frozen_clock.advance(seconds=(idle - 1) * 60)
    assert client.get("/t/sunne/").status_code == 200
    frozen_clock.advance(seconds=(idle + 1) * 60)
    assert client.get("/t/sunne/").status_code == 302


def test_a_session_dies_at_its_absolute_lifetime_however_busy(
    app, client, login, tenant_pair, frozen_clock
):
    settings = app.extensions["samverka"].settings
    login(client, tenant_pair.reader_a)
    step = timedelta(minutes=settings.session_idle_minutes // 2)
    elapsed = timedelta()
    while elapsed + step < timedelta(hours=settings.session_max_hours):
        frozen_clock.advance(seconds=step.total_seconds())
        elapsed += step
        assert client.get("/t/sunne/").status_code == 200
    frozen_clock.advance(seconds=step.total_seconds())
    assert client.get("/t/sunne/").status_code == 302


def test_log_out_everywhere_ends_every_row(app, client, db, login, tenant_pair):
    other = login(app.test_client(), tenant_pair.reader_a)
    login(client, tenant_pair.reader_a)
    token = csrf_token(client.get("/account/").text)
    assert client.post("/account/logout-everywhere", data={"csrf_token": token}).status_code == 302
    assert other.get("/t/sunne/").status_code == 302
    reasons = set(db.scalars(select(UserSession.end_reason)))
    assert reasons == {"logout_everywhere"}


def test_the_account_page_lists_the_live_sessions(app, client, login, tenant_pair):
    login(app.test_client(), tenant_pair.reader_a)
    login(client, tenant_pair.reader_a)
    page = client.get("/account/", headers={"Accept-Language": "en"}).text
    table = page[page.index('id="sessions"') :]
    assert len(re.findall(r'<tr class="govuk-table__row">', table)) == 3  # header + 2


def test_mfa_reset_by_the_operator_ends_every_session(app, client, db, login, tenant_pair):
    from samverka.auth import mfa

    login(client, tenant_pair.admin_a)
    assert client.get("/t/sunne/").status_code == 200
    with app.app_context():
        mfa.reset(db, db.get(User, tenant_pair.admin_a.id))
        db.commit()
    assert client.get("/t/sunne/").status_code == 302


def test_old_sessions_are_purged(app, db, tenant_pair, frozen_clock):
    user = db.get(User, tenant_pair.reader_a.id)
    lifetimes = sessions.Lifetimes(timedelta(minutes=30), timedelta(hours=8))
    ended = sessions.start(db, user, lifetimes, method=sessions.PASSWORD).row
    sessions.end(db, ended, "logout")
    expired = sessions.start(db, user, lifetimes, method=sessions.PASSWORD).row
    db.commit()
    frozen_clock.advance(seconds=(sessions.KEEP_ENDED + timedelta(days=1)).total_seconds())
    fresh = sessions.start(db, user, lifetimes, method=sessions.PASSWORD).row
    with app.app_context():
        (job,) = [
            job
            for job in periodic_jobs(app.extensions["samverka"].host)
            if job.name == "core.session_purge"
        ]
        assert job.every == timedelta(hours=1) and not job.per_tenant
        assert job.func(db, frozen_clock.moment) == 2
    db.commit()
    assert db.scalars(select(UserSession.id)).all() == [fresh.id]
    assert expired.id != fresh.id


@pytest.mark.parametrize("method,tenant", [("sso", None), ("password", 1), ("magic", None)])
def test_a_session_states_its_establishment_consistently(db, tenant_pair, method, tenant):
    lifetimes = sessions.Lifetimes(timedelta(minutes=30), timedelta(hours=8))
    with pytest.raises(ValueError):
        sessions.start(
            db,
            db.get(User, tenant_pair.reader_a.id),
            lifetimes,
            method=method,
            sso_tenant_id=tenant,
        )
