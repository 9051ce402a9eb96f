"""Log-in throttling per account and per client address: 429 with a Swedish message, the
same for unknown accounts, wrong MFA codes counted too, and a correct password refused until
the window has passed (the accounts' clock is moved; nothing sleeps)."""

from __future__ import annotations

import pyotp
import pytest

from samverka.testing.fixtures import csrf_token, enrol_totp, form_post

MESSAGE = "För många misslyckade försök. Vänta en stund och försök igen."


@pytest.fixture
def settings(settings):
    settings.login_max_account_failures = 3
    settings.login_max_address_failures = 5
    settings.login_window_seconds = 600
    return settings


def attempt(client, email, password, address="192.0.2.10"):
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_an_account_is_throttled_then_released(client, tenant_pair, frozen_clock):
    for _ in range(3):
        assert attempt(client, "reader@sunne.test", "wrong password").status_code == 422
    throttled = attempt(client, "reader@sunne.test", tenant_pair.password)  # right, but too late
    assert throttled.status_code == 429
    assert MESSAGE in throttled.text
    other_address = attempt(client, "reader@sunne.test", tenant_pair.password, "198.51.100.7")
    assert other_address.status_code == 429  # the account's limit holds from anywhere
    frozen_clock.advance(seconds=601)
    assert attempt(client, "reader@sunne.test", tenant_pair.password).status_code == 302


def test_an_unknown_account_answers_like_a_known_one(client, tenant_pair):
    for email, address in (
        ("reader@sunne.test", "203.0.113.1"),
        ("nobody@sunne.test", "203.0.113.3"),
    ):
        for _ in range(3):
            assert attempt(client, email, "wrong password", address).status_code == 422
    known = attempt(client, "reader@sunne.test", "wrong password", "203.0.113.2")
    unknown = attempt(client, "nobody@sunne.test", "wrong password", "203.0.113.2")
    assert known.status_code == unknown.status_code == 429
    assert MESSAGE in known.text and MESSAGE in unknown.text


def test_an_address_is_throttled_across_accounts(client, tenant_pair, frozen_clock):
    for number in range(5):
        attempt(client, f"guess{number}@sunne.test", "wrong password")
    assert attempt(client, "reader@sunne.test", tenant_pair.password).status_code == 429
    elsewhere = client.application.test_client()
    assert (
        attempt(elsewhere, "reader@sunne.test", tenant_pair.password, "192.0.2.99").status_code
        == 302
    )


def test_wrong_mfa_codes_count(client, db, tenant_pair, frozen_clock):
    secret = enrol_totp(db, tenant_pair.reader_a.id)
    assert attempt(client, "reader@sunne.test", tenant_pair.password).location == "/login/code"
    for _ in range(3):
        assert form_post(client, "/login/code", {"code": "000001"}).status_code == 422
    right = form_post(client, "/login/code", {"code": pyotp.TOTP(secret).at(frozen_clock.moment)})
    assert right.status_code == 429
    assert MESSAGE in right.text
    assert attempt(client, "reader@sunne.test", tenant_pair.password).status_code == 429


def test_a_complete_login_clears_the_accounts_failures(client, tenant_pair):
    for _ in range(2):
        attempt(client, "reader@sunne.test", "wrong password")
    assert attempt(client, "reader@sunne.test", tenant_pair.password).status_code == 302
    other = client.application.test_client()
    for _ in range(2):
        assert attempt(other, "reader@sunne.test", "wrong password").status_code == 422
    assert attempt(other, "reader@sunne.test", tenant_pair.password).status_code == 302
