"""HTTP security baseline: Content-Security-Policy with a per-request nonce, the usual
hardening headers, Secure cookies behind HTTPS, and proxy headers believed only when told.

Installed by the app factory (:func:`init_app`). Every response gets the headers: HTML pages,
static files, JSON, and error pages alike (``after_request`` also runs for handled errors).

``form-action 'self'`` stays narrow: Chromium also applies it to the redirects that answer
a form POST, so nothing may answer a form with a redirect to another origin. Single sign-on
(the organisation lookup, the provider's logout) therefore hands the browser over through
``onward.html``, a page whose refresh is a navigation, not a form submission.

``img-src`` names one more origin only when a map tile server is configured
(``SAMVERKA_MAP_TILE_URL``): the area maps' tiles come from there. Templates read the same
setting through :func:`map_tiles`, so the policy and the maps cannot disagree.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

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
    app.context_processor(lambda: {"csp_nonce": csp_nonce()})
    app.add_template_global(map_tiles)  # a global: imported macros (maps/) see it too
    app.after_request(add_security_headers)
    app.wsgi_app = SecureCookies(app.wsgi_app)  # type: ignore[method-assign]
    if settings.trusted_proxies > 0:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )


def csp_nonce() -> str:
    """This request's nonce (made on first use) for the layout's ``<script nonce>``."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def map_tiles() -> dict[str, str] | None:
    """The configured map tile server (``url`` with {z}/{x}/{y}, ``attribution``) for
    ``static/areamap.js``, or None: then a map draws its polygons on a plain background and
    requests nothing from elsewhere."""
    settings = current_app.extensions["samverka"].settings
    if not settings.map_tile_url:
        return None
    return {"url": settings.map_tile_url, "attribution": settings.map_tile_attribution}


def content_security_policy(nonce: str | None, image_origin: str = "") -> str:
    """The policy; ``image_origin`` (the tile server's, already checked by the settings)
    is the one origin besides 'self' that images may come from."""
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    images = "'self' data:" + (f" {image_origin}" if image_origin else "")
    directives = [
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self'",
        f"img-src {images}",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def add_security_headers(response: Response) -> Response:
    nonce = g.get("csp_nonce")  # only pages that rendered a template made one
    origin = current_app.extensions["samverka"].settings.map_tile_origin
    response.headers["Content-Security-Policy"] = content_security_policy(nonce, origin)
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


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
