"""Two-step verification through the real pages: enrolment, the code step at log-in,
replayed and wrong codes, single-use recovery codes, and administrators forced to enrol."""

from __future__ import annotations

import re

import pyotp
import pytest

from samverka.db import TenantScope, scoped
from samverka.testing.fixtures import csrf_token, enrol_totp, form_post


def password_step(client, email, password, next_url=None):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def code_step(client, code):
    return form_post(client, "/login/code", {"code": code})


def enrol_through_the_page(client, frozen_clock) -> tuple[str, list[str]]:
    """Read the seed off the set-up page, confirm with a code; returns seed and recovery codes."""
    html = client.get("/account/mfa/setup").get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html  # the QR code, inline
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    done = form_post(
        client, "/account/mfa/setup", {"code": pyotp.TOTP(secret).at(frozen_clock.moment)}
    )
    assert done.status_code == 200, done.get_data(as_text=True)[:300]
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>", done.text)
    assert len(codes) == 10
    return secret, codes


def logged_in(client) -> bool:
    with client.session_transaction() as session:
        return "sid" in session


def test_enrol_then_log_in_with_a_code(client, tenant_pair, frozen_clock):
    password_step(client, "reader@sunne.test", tenant_pair.password)
    secret, _codes = enrol_through_the_page(client, frozen_clock)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account/").text)})

    response = password_step(client, "reader@sunne.test", tenant_pair.password, "/account/")
    assert response.location == "/login/code"
    with client.session_transaction() as session:
        assert "sid" not in session and "mfa_pending" in session
    assert client.get("/t/sunne/").status_code == 302  # not logged in yet
    frozen_clock.advance(seconds=30)
    done = code_step(client, pyotp.TOTP(secret).at(frozen_clock.moment))
    assert done.location == "/account/"
    assert client.get("/t/sunne/").status_code == 200


def test_a_wrong_code_and_a_reused_code_are_refused(client, db, tenant_pair, frozen_clock):
    secret = enrol_totp(db, tenant_pair.reader_a.id)
    code = pyotp.TOTP(secret).at(frozen_clock.moment)
    password_step(client, "reader@sunne.test", tenant_pair.password)
    wrong = code_step(client, "000000" if code != "000000" else "111111")
    assert wrong.status_code == 422
    assert "Koden är fel eller har redan använts." in wrong.text
    assert code_step(client, code).status_code == 302

    other = client.application.test_client()  # someone who saw the code over the shoulder
    password_step(other, "reader@sunne.test", tenant_pair.password)
    assert code_step(other, code).status_code == 422
    assert not logged_in(other)


def test_an_older_code_is_refused_after_a_newer_one(client, db, tenant_pair, frozen_clock):
    secret = enrol_totp(db, tenant_pair.reader_a.id)
    totp = pyotp.TOTP(secret)
    password_step(client, "reader@sunne.test", tenant_pair.password)
    assert code_step(client, totp.at(frozen_clock.moment, counter_offset=1)).status_code == 302
    other = client.application.test_client()
    password_step(other, "reader@sunne.test", tenant_pair.password)
    assert code_step(other, totp.at(frozen_clock.moment)).status_code == 422


def test_a_recovery_code_works_once(client, tenant_pair, frozen_clock):
    password_step(client, "reader@sunne.test", tenant_pair.password)
    _secret, codes = enrol_through_the_page(client, frozen_clock)

    first = client.application.test_client()
    password_step(first, "reader@sunne.test", tenant_pair.password)
    assert code_step(first, codes[3].upper()).status_code == 302  # case and dashes don't matter
    second = client.application.test_client()
    password_step(second, "reader@sunne.test", tenant_pair.password)
    assert code_step(second, codes[3]).status_code == 422
    assert code_step(second, codes[4]).status_code == 302


def test_new_recovery_codes_replace_the_old(client, tenant_pair, frozen_clock):
    password_step(client, "reader@sunne.test", tenant_pair.password)
    secret, old = enrol_through_the_page(client, frozen_clock)
    frozen_clock.advance(seconds=30)
    page = form_post(
        client,
        "/account/mfa/recovery-codes",
        {"code": pyotp.TOTP(secret).at(frozen_clock.moment)},
    )
    new = re.findall(r"<code>([a-z2-7-]{19})</code>", page.text)
    assert len(new) == 10 and not set(new) & set(old)
    other = client.application.test_client()
    password_step(other, "reader@sunne.test", tenant_pair.password)
    assert code_step(other, old[0]).status_code == 422
    assert code_step(other, new[0]).status_code == 302


def test_a_user_turns_mfa_off_with_a_code(client, tenant_pair, frozen_clock):
    password_step(client, "reader@sunne.test", tenant_pair.password)
    _secret, codes = enrol_through_the_page(client, frozen_clock)
    assert form_post(client, "/account/mfa/disable", {"code": "123456"}).status_code == 422
    assert form_post(client, "/account/mfa/disable", {"code": codes[0]}).status_code == 302
    other = client.application.test_client()
    assert password_step(other, "reader@sunne.test", tenant_pair.password).location == "/"


def test_enrolment_ends_other_password_only_sessions(client, tenant_pair, frozen_clock):
    other = client.application.test_client()
    password_step(other, "reader@sunne.test", tenant_pair.password)
    password_step(client, "reader@sunne.test", tenant_pair.password)
    enrol_through_the_page(client, frozen_clock)
    assert client.get("/t/sunne/").status_code == 200
    assert other.get("/t/sunne/").status_code == 302


def test_the_pending_step_expires(client, db, tenant_pair, frozen_clock):
    secret = enrol_totp(db, tenant_pair.reader_a.id)
    password_step(client, "reader@sunne.test", tenant_pair.password)
    token = csrf_token(client.get("/login/code").text)
    frozen_clock.advance(minutes=6)
    code = pyotp.TOTP(secret).at(frozen_clock.moment)
    response = client.post("/login/code", data={"code": code, "csrf_token": token})
    assert response.location == "/login"
    assert not logged_in(client)


@pytest.mark.parametrize("who", ["admin_a", "consortium_admin", "platform_admin"])
def test_administrators_are_sent_to_enrolment(client, tenant_pair, who, frozen_clock):
    email = getattr(tenant_pair, who).email
    assert password_step(client, email, tenant_pair.password).status_code == 302
    for path in ("/", "/t/sunne/", "/consortia/sutohamu/", "/admin/users", "/account/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/account/mfa/setup"), path
    page = client.get("/account/mfa/setup")
    assert "Administratörer måste använda tvåstegsverifiering" in page.text
    token = csrf_token(page.text)
    assert client.post("/account/password", data={"csrf_token": token}).status_code == 403
    enrol_through_the_page(client, frozen_clock)
    assert client.get("/account/").status_code == 200


def test_readers_are_not_asked_to_enrol(client, tenant_pair):
    password_step(client, "reader@sunne.test", tenant_pair.password)
    assert client.get("/t/sunne/").status_code == 200


def test_someone_made_admin_while_logged_in_enrols_at_the_next_request(
    client, db, registry, tenant_pair
):
    from samverka.auth import services as accounts

    password_step(client, "reader@torsby.test", tenant_pair.password)
    assert client.get("/t/torsby/").status_code == 200
    with scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        accounts.add_member(db, registry, tenant_pair.reader_b, tenant_pair.b, "tenant_admin")
    db.commit()
    assert client.get("/t/torsby/").location.startswith("/account/mfa/setup")


def test_an_administrator_elsewhere_enrols_inside_a_tenant_where_they_only_read(
    client, db, registry, tenant_pair
):
    """Inside Sunne the check reads the user's own memberships in Torsby too (RLS allows a
    user's own rows), in the one lookup of the tenant's context."""
    from samverka.auth import services as accounts

    password_step(client, "reader@sunne.test", tenant_pair.password)
    assert client.get("/t/sunne/").status_code == 200
    with scoped(db, TenantScope.for_tenant(tenant_pair.b.id)):
        accounts.add_member(db, registry, tenant_pair.reader_a, tenant_pair.b, "tenant_admin")
    db.commit()
    assert client.get("/t/sunne/").location.startswith("/account/mfa/setup")


def test_administrators_cannot_turn_mfa_off(client, tenant_pair, login):
    login(client, tenant_pair.admin_a)
    response = form_post(client, "/account/mfa/disable", {"code": "123456"})
    assert response.status_code == 422
    assert "Administratörer måste använda tvåstegsverifiering." in response.text


def test_the_login_fixture_completes_mfa_for_administrators(client, tenant_pair, login):
    login(client, tenant_pair.admin_a)
    assert client.get("/t/sunne/admin/members").status_code == 200
    login(client.application.test_client(), tenant_pair.admin_a)  # same 30 s step: fine
