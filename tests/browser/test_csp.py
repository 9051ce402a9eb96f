"""Chromium under the real Content-Security-Policy: the shell's pages load, GOV.UK Frontend
starts (its module script and the body-class snippet carry the nonce), and nothing reports a
violation, neither as a ``securitypolicyviolation`` event nor on the console."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from samverka.testing.browser import goto, log_in, problems, submit_form

pytestmark = pytest.mark.browser

PAGES = [
    ("/t/sunne/", 200),
    ("/t/sunne/admin/members", 200),
    ("/t/sunne/admin/modules", 200),
    ("/no-such-page", 404),
]


def assert_frontend_started(page) -> None:
    page.wait_for_selector("a.govuk-skip-link[data-govuk-skip-link-init]", state="attached")
    classes = page.get_attribute("body", "class") or ""
    assert "govuk-frontend-supported" in classes, "the nonce'd body-class snippet did not run"


def test_shell_pages_load_without_csp_violations(strict_page, tenant_pair, db):
    from samverka.testing.fixtures import enrol_totp

    email = tenant_pair.admin_a.email
    secret = enrol_totp(db, tenant_pair.admin_a.id)  # administrators must use MFA
    db.close()  # the live server's threads use their own sessions
    goto(strict_page, "/login")
    assert_frontend_started(strict_page)
    strict_page.fill("#email", email)
    strict_page.fill("#password", "not the password")
    submit_form(strict_page, "email", status=422)  # the error summary's script focuses it
    assert_frontend_started(strict_page)
    found = problems(strict_page)
    log_in(strict_page, email, totp_secret=secret)
    for path, status in PAGES:
        goto(strict_page, path, status)
        assert_frontend_started(strict_page)
        found += problems(strict_page)
    assert not found, "\n".join(found)


def test_the_check_would_see_a_violation(strict_page):
    """The listener works: an injected inline script without the nonce is blocked and seen."""
    goto(strict_page, "/login")
    strict_page.evaluate(
        """() => {
          const s = document.createElement('script');
          s.textContent = 'window.__ran = true';
          document.body.appendChild(s);
        }"""
    )
    strict_page.wait_for_function("() => window.__cspViolations.length > 0")
    assert strict_page.evaluate("() => window.__ran") is None
    assert any("script-src" in v for v in strict_page.evaluate("() => window.__cspViolations"))


@pytest.fixture
def identity_provider() -> Iterator[str]:
    """Another origin (its own port) standing in for an identity provider: a discovery
    document and a login page, enough for the start of a single sign-on."""
    import json
    import threading

    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    def idp(environ, start_response):
        path = Request(environ).path
        if path == "/.well-known/openid-configuration":
            page = Response(json.dumps(metadata), mimetype="application/json")
        else:
            page = Response("<html><body><h1>IdP login</h1></body></html>", mimetype="text/html")
        return page(environ, start_response)

    server = make_server("127.0.0.1", 0, idp, threaded=True)
    issuer = f"http://127.0.0.1:{server.server_port}"
    metadata = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
        "response_types_supported": ["code"],
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_chromium_blocks_a_form_answered_by_a_redirect_to_another_origin(
    app, identity_provider, strict_page
):
    """Why single sign-on never answers a form with a redirect to the provider: Chromium
    applies form-action to that redirect, and form-action is 'self'."""
    from flask import redirect, render_template_string

    from samverka.web.extensions import csrf

    @app.get("/_sso")
    def sso_form():
        return render_template_string(
            '<!doctype html><html lang="sv"><title>SSO</title>'
            '<form method="post" action="/_sso"><button type="submit">SSO</button></form>'
        )

    @csrf.exempt
    @app.post("/_sso")
    def sso_start():
        return redirect(f"{identity_provider}/authorize?client_id=samverka")

    goto(strict_page, "/_sso")
    strict_page.click("button")
    strict_page.wait_for_function("() => window.__cspViolations.length > 0")
    (violation,) = strict_page.evaluate("() => window.__cspViolations")
    assert violation.startswith("form-action")
    assert not strict_page.url.startswith(identity_provider)


def test_the_organisation_login_form_reaches_the_provider_under_the_policy(
    identity_provider, strict_page, tenant_pair, db, registry
):
    """The login page's organisation form: lookup by e-mail domain, the onward page, the SSO
    start's redirect, and the provider's login page, with no violation on the way."""
    from samverka.auth.sso import services as sso
    from samverka.db import TenantScope, scoped

    settings = sso.ProviderSettings(
        issuer=identity_provider,
        client_id="samverka",
        client_secret="the-secret",
        role_map={"staff": "reader"},
        domains=["sunne.se"],
    )
    with scoped(db, TenantScope.for_tenant(tenant_pair.a.id)):
        sso.set_provider(db, registry, tenant_pair.a, settings, trusted=True)  # verified
    db.commit()
    db.close()
    goto(strict_page, "/login")
    strict_page.fill("#org_email", "anna@sunne.se")
    strict_page.click("#sso_submit")
    strict_page.wait_for_url(f"{identity_provider}/authorize*")
    assert strict_page.inner_text("h1") == "IdP login"
    assert "code_challenge_method=S256" in strict_page.url
