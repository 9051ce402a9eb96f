"""HTTP security baseline: Content-Security-Policy with a per-request nonce, the usual
hardening headers, Secure cookies behind HTTPS, and proxy headers believed only when told.

Installed by the app factory (:func:`init_app`). Every response gets the headers: HTML pages,
static files, JSON, and error pages alike (``after_request`` also runs for handled errors).

``form-action`` and single sign-on: Chromium (and CSP 3) apply ``form-action`` to every
redirect that follows a form submission, so a login form that POSTs to ``/login/sso`` which
redirects to an external identity provider would be blocked by ``form-action 'self'``. The
policy therefore is ``'self'`` plus the identity providers' origins, from three places:
``SAMVERKA_CSP_FORM_ACTION`` (operator), :func:`allow_form_action` (code that knows its
provider at start-up), and the origins of the clients registered with Authlib's Flask
``OAuth`` registry on this app (found at request time, so providers added later count).
Anything else stays blocked; ``'self'`` alone is never widened to ``https:``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

FORM_ACTION_KEY = "samverka.csp_form_action"
AUTHLIB_KEY = "authlib.integrations.flask_client"
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "publickey-credentials-get=(self), screen-wake-lock=(), usb=(), xr-spatial-tracking=()"
)
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    settings = app.extensions["samverka"].settings
    app.extensions[FORM_ACTION_KEY] = set(_origins(settings.csp_form_action.split()))
    app.context_processor(lambda: {"csp_nonce": csp_nonce()})
    app.after_request(add_security_headers)
    app.wsgi_app = SecureCookies(app.wsgi_app)  # type: ignore[method-assign]
    if settings.trusted_proxies > 0:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )


def allow_form_action(app: Flask, *urls: str) -> None:
    """Let forms on this app's pages submit to (or be redirected to) these origins; for the
    single sign-on start, whose POST is answered by a redirect to the identity provider."""
    app.extensions.setdefault(FORM_ACTION_KEY, set()).update(_origins(urls))


def csp_nonce() -> str:
    """This request's nonce (made on first use) for the layout's ``<script nonce>``."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str | None, form_action: Iterable[str] = ()) -> str:
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    forms = " ".join(["'self'", *sorted(form_action)])
    directives = [
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        f"form-action {forms}",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def add_security_headers(response: Response) -> Response:
    nonce = g.get("csp_nonce")  # only pages that rendered a template made one
    response.headers["Content-Security-Policy"] = content_security_policy(
        nonce, form_action_origins()
    )
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def form_action_origins() -> set[str]:
    origins = set(current_app.extensions.get(FORM_ACTION_KEY, ()))
    oauth = current_app.extensions.get(AUTHLIB_KEY)
    for _overwrite, config in getattr(oauth, "_registry", {}).values():
        origins.update(_origins(_provider_urls(config)))
    return origins


def _provider_urls(config: dict[str, Any]) -> list[str]:
    keys = ("server_metadata_url", "authorize_url", "api_base_url")
    return [config[k] for k in keys if isinstance(config.get(k), str)]


def _origins(urls: Iterable[str]) -> list[str]:
    """``scheme://host[:port]`` of each absolute http(s) URL; anything else is ignored."""
    found = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc and "'" not in parts.netloc:
            found.append(f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}")
    return found


class SecureCookies:
    """WSGI middleware: over HTTPS every ``Set-Cookie`` (session, CSRF, anyone's) gets
    ``Secure``. Sits inside ProxyFix, so a trusted proxy's ``X-Forwarded-Proto`` counts;
    Flask's session cookie is written after ``after_request``, hence a middleware."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if environ.get("wsgi.url_scheme") != "https":
            return self.app(environ, start_response)

        def secure_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            headers = [
                (name, _secure(value) if name.lower() == "set-cookie" else value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.app(environ, secure_start_response)


def _secure(cookie: str) -> str:
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    return cookie if "secure" in attributes else f"{cookie}; Secure"
