"""The security baseline: CSP with a per-request nonce on every kind of response, HSTS and
Secure cookies only over HTTPS, X-Forwarded-* believed only when proxies are configured."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from samverka.testing.fixtures import create_test_app, csrf_token

HTTPS = {"wsgi.url_scheme": "https"}
FORWARDED_HTTPS = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Host": "samverka.example.se",
}


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def assert_hardened(response) -> None:
    csp = directives(response)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert csp["default-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"].startswith("'self'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def nonces(html: str) -> set[str]:
    return set(re.findall(r'nonce="([^"]+)"', html))


def test_pages_carry_a_fresh_nonce_that_their_scripts_use(client):
    first, second = client.get("/login"), client.get("/login")
    for response in (first, second):
        assert response.status_code == 200
        assert_hardened(response)
        html = response.get_data(as_text=True)
        (nonce,) = nonces(html)  # GOV.UK's body-class snippet and our module script
        assert directives(response)["script-src"] == f"'self' 'nonce-{nonce}'"
        assert len(nonce) >= 22
        assert "<style" not in html and " style=" not in html
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert nonces(first.get_data(as_text=True)) != nonces(second.get_data(as_text=True))


def test_static_files_and_error_pages_are_hardened_too(app, client):
    static = client.get("/static/vendor/govuk-frontend.min.js")
    assert static.status_code == 200
    assert_hardened(static)
    assert directives(static)["script-src"] == "'self'"  # no page, no nonce
    static.close()
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert_hardened(missing)
    assert "nonce-" in directives(missing)["script-src"]


def test_an_unexpected_error_page_is_hardened(settings, samverka_plugins):
    application = create_test_app(settings, samverka_plugins)
    application.config["PROPAGATE_EXCEPTIONS"] = False

    def fail():
        raise RuntimeError("boom")

    application.add_url_rule("/fail", "fail", fail)
    response = application.test_client().get("/fail")
    assert response.status_code == 500
    assert_hardened(response)
    application.extensions["samverka"].engine.dispose()


def test_hsts_and_secure_cookies_only_over_https(client, tenant_pair):
    plain = client.get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    token = csrf_token(plain.get_data(as_text=True))
    login = {"email": "reader@sunne.test", "password": tenant_pair.password, "csrf_token": token}
    over_http = client.post("/login", data=login)
    assert "Secure" not in over_http.headers["Set-Cookie"]

    secure = client.get("/login", environ_overrides=HTTPS)
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    token = csrf_token(secure.get_data(as_text=True))
    over_https = client.post(
        "/login",
        data={**login, "csrf_token": token},
        environ_overrides=HTTPS,
        headers={"Referer": "https://localhost/login"},  # Flask-WTF checks it over HTTPS
    )
    assert over_https.status_code == 302
    cookie = over_https.headers["Set-Cookie"]
    assert cookie.startswith("samverka_session=") and "; Secure" in cookie
    assert "HttpOnly" in cookie


def test_forwarded_headers_are_ignored_without_trusted_proxies(app):
    seen = {}

    @app.get("/_probe")
    def probe():
        from flask import request

        seen.update(scheme=request.scheme, remote=request.remote_addr, host=request.host)
        return "ok"

    response = app.test_client().get("/_probe", headers=FORWARDED_HTTPS)
    assert seen == {"scheme": "http", "remote": "127.0.0.1", "host": "localhost"}
    assert "Strict-Transport-Security" not in response.headers


def test_forwarded_headers_count_behind_a_configured_proxy(settings, samverka_plugins):
    application = create_test_app(replace(settings, trusted_proxies=1), samverka_plugins)
    seen = {}

    @application.get("/_probe")
    def probe():
        from flask import request

        seen.update(scheme=request.scheme, remote=request.remote_addr, host=request.host)
        return "ok"

    client = application.test_client()
    response = client.get("/_probe", headers=FORWARDED_HTTPS)
    assert seen == {"scheme": "https", "remote": "203.0.113.7", "host": "samverka.example.se"}
    assert "Strict-Transport-Security" in response.headers
    # One hop: of a spoofed chain only the value the proxy appended counts.
    client.get("/_probe", headers={"X-Forwarded-For": "10.6.6.6, 198.51.100.2"})
    assert seen["remote"] == "198.51.100.2"
    application.extensions["samverka"].engine.dispose()


def test_forms_may_submit_to_this_site_only(client):
    """No identity provider widens form-action: SSO hands over through onward pages."""
    assert directives(client.get("/login"))["form-action"] == "'self'"


@pytest.mark.parametrize("bad", ["-1", "two"])
def test_trusted_proxies_must_be_a_count(tmp_path, bad):
    from samverka.config import ConfigurationError, Settings

    with pytest.raises(ConfigurationError):
        Settings.from_env({"SAMVERKA_TRUSTED_PROXIES": bad}, instance_path=tmp_path)
