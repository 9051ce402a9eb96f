"""The page baseline: bare Flask producing the same page as Samverka, without the platform.

    BENCH_DATABASE_URL=... BENCH_TENANT_ID=... BENCH_USER_ID=... \\
        gunicorn --pythonpath bench bare_page:app

The data work is ``bare.newest_items`` (the scope GUCs and the ORM's SELECT, byte for byte,
through the app role). The HTML is Samverka's own: the benchmark plugin's
``benchplugin/index.html`` extending ``platform/samverka/web/templates/layout.html`` with the
GOV.UK Frontend macros, loaded through the Jinja loader set-up of ``samverka/app.py``
(``ChoiceLoader`` + ``PrefixLoader`` for ``govuk_frontend_jinja``/``govuk_frontend_wtf``, the
blueprint's template folder), Flask-Babel with Samverka's Swedish catalogue for ``_()``,
``CSRFProtect`` for ``csrf_token()``, ``WTFormsHelpers`` and the memoised GOV.UK components
(``samverka.web.components``). ``create_app`` is not used.

What Samverka computes per request from the database (the signed-in user, the tenant in the
URL, the user's tenants, the navigation filtered by permission) is taken once at start-up from
Samverka itself: the reader logs in to a Samverka app built in this process
(``create_app``, ``SAMVERKA_*`` settings, the benchmark plugin), views the page once, and the
layout's context is read as the template gets it (``template_rendered``). The URL rules of
the endpoints it links to are copied as stubs, so the URLs in it are built with ``url_for`` per
request at Samverka's URLs, as Samverka does. Taking it from Samverka rather than writing it
down is what keeps this baseline from rotting: a new menu entry or a moved route changes both
pages alike. That app is then dropped; requests here never touch it. Not here: session
log-in and user lookup, tenant resolution and role check, permission checks, plugin
enablement and hooks, the ORM. The distance between this and Samverka is what the platform
itself costs on top of producing the page.

The run sends a session cookie that holds only the raw CSRF token (as a signed-in Samverka
session does), so ``csrf_token()`` signs it per request without writing a new session.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from bare import PAGE_SIZE, TENANT_ID, engine, newest_items
from flask import Blueprint, Flask, abort, g, render_template, request, url_for
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

import samverka
from samverka.web import components

PACKAGE_DIR = Path(samverka.__file__).resolve().parent
PLUGIN_TEMPLATES = Path(__file__).resolve().parent / "samverka_benchplugin" / "templates"
LOCALE = "sv"


class Named(NamedTuple):
    """What the templates read of the user and the tenant."""

    name: str
    slug: str = ""
    email: str = ""


class Link(NamedTuple):  # as samverka.web.context.Link
    label: Any
    href: str
    active: bool = False
    code: str = ""


@dataclass(frozen=True)
class NavEntry:
    """A menu entry as Samverka showed it to the reader: its label and where it points."""

    label: Any
    endpoint: str
    values: dict[str, Any]
    active: bool = False  # as Samverka marked it on this page (its menu group, say)


@dataclass(frozen=True)
class SamverkaView:
    """What Samverka's layout got for the reader on this page (see the module docstring)."""

    user: Named
    tenant: Named
    user_tenants: list
    nav: list[NavEntry]
    languages: list[tuple[str, Any, bool]]  # code, label, active
    rules: dict[str, tuple[str, frozenset[str]]]  # endpoint -> (URL rule, methods)


# Endpoints the layout itself links to (besides the menu's).
LAYOUT_ENDPOINTS = ("shell.switch_tenant", "shell.set_language", "auth.logout", "account.overview")
PAGE_PATH = "/t/{slug}/benchplugin/"


def samverka_view() -> SamverkaView:
    """Log the reader in to a Samverka app and read the layout's context off its page."""
    from flask import template_rendered
    from generate import READER_EMAIL, READER_PASSWORD

    import samverka_benchplugin
    from samverka.app import create_app
    from samverka.config import Settings

    samverka_app = create_app(
        Settings.from_env(), extra_plugins=[(samverka_benchplugin.NAME, samverka_benchplugin)]
    )
    seen: dict[str, Any] = {}

    def keep(sender: Flask, template, context: dict[str, Any], **extra: Any) -> None:
        if template.name == "benchplugin/index.html":
            seen.update(read_context(samverka_app, context))

    try:
        client = samverka_app.test_client()
        client.environ_base["wsgi.url_scheme"] = "https"  # the session cookie is Secure
        form = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', form)
        login = {"email": READER_EMAIL, "password": READER_PASSWORD, "csrf_token": token[1]}
        if client.post("/login", data=login).status_code != 302:
            raise RuntimeError("bare_page: the reader could not log in to Samverka")
        with template_rendered.connected_to(keep, samverka_app):
            path = PAGE_PATH.format(slug=tenant_slug())
            status = client.get(path).status_code
        if status != 200 or not seen:
            raise RuntimeError(f"bare_page: Samverka answered {status} for {path}")
        endpoints = [entry.endpoint for entry in seen["nav"]] + list(LAYOUT_ENDPOINTS)
        rules = {}
        for endpoint in endpoints:
            rule = next(samverka_app.url_map.iter_rules(endpoint))
            rules[endpoint] = (rule.rule, frozenset(rule.methods or ()))
        return SamverkaView(rules=rules, **seen)
    finally:
        samverka_app.extensions["samverka"].engine.dispose()


def tenant_slug() -> str:
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT slug FROM tenants WHERE id = %(id)s", {"id": TENANT_ID}
        ).scalar_one()


def read_context(samverka_app: Flask, context: dict[str, Any]) -> dict[str, Any]:
    """Plain copies of the layout's inputs (the ORM objects go with Samverka's session)."""
    adapter = samverka_app.url_map.bind("localhost")
    nav = []
    for link in context["nav_items"]:
        endpoint, values = adapter.match(urlsplit(link.href).path)
        values.pop("tenant_slug", None)  # filled in per request, as Samverka does
        nav.append(NavEntry(link.label, endpoint, values, link.active))
    user, tenant = context["current_user"], context["current_tenant"]
    return {
        "user": Named(user.name, email=user.email),
        "tenant": Named(tenant.name, tenant.slug),
        "user_tenants": list(context["user_tenants"]),
        "nav": nav,
        "languages": [(link.code, link.label, link.active) for link in context["language_links"]],
    }


VIEW = samverka_view()
USER, TENANT, USER_TENANTS = VIEW.user, VIEW.tenant, VIEW.user_tenants

app = Flask(
    "samverka",
    template_folder=str(PACKAGE_DIR / "web" / "templates"),
    static_folder=str(PACKAGE_DIR / "web" / "static"),
)
app.config.update(
    SECRET_KEY=os.environ.get("BENCH_SECRET_KEY", "bench-bare-page-secret"),
    SESSION_COOKIE_NAME="samverka_session",
    BABEL_DEFAULT_LOCALE=LOCALE,
    BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
    WTF_CSRF_TIME_LIMIT=None,
)
app.jinja_loader = ChoiceLoader(
    [
        FileSystemLoader(str(PACKAGE_DIR / "web" / "templates")),
        PrefixLoader(
            {
                "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
            }
        ),
    ]
)
CSRFProtect(app)
Babel(app, locale_selector=lambda: LOCALE)
WTFormsHelpers(app)
components.init_app(app)


@app.url_value_preprocessor
def pull_tenant(endpoint: str | None, values: dict | None) -> None:
    if values is not None:
        g.tenant_slug = values.pop("tenant_slug", None)


def not_served(**values: Any) -> None:
    abort(404)


# The endpoints the page links to, at Samverka's URLs (url_for needs them; nothing is served).
for endpoint, (rule, methods) in VIEW.rules.items():
    if endpoint.startswith("benchplugin."):  # served below
        continue
    app.add_url_rule(rule, endpoint=endpoint, view_func=not_served, methods=sorted(methods))
TENANT_ENDPOINTS = frozenset(
    {"benchplugin.index"}
    | {endpoint for endpoint, (rule, _) in VIEW.rules.items() if "tenant_slug>" in rule}
)


@app.url_defaults
def add_tenant(endpoint: str, values: dict) -> None:
    if endpoint in TENANT_ENDPOINTS and "tenant_slug" not in values:
        values["tenant_slug"] = TENANT.slug


@app.context_processor
def page_context() -> dict[str, Any]:
    return {
        "current_user": USER,
        "current_tenant": TENANT,
        "user_tenants": USER_TENANTS,
        "nav_items": [
            Link(
                entry.label,
                url_for(entry.endpoint, **entry.values),
                entry.active,  # the same page every request: the same entry is marked
            )
            for entry in VIEW.nav
        ],
        "current_locale": LOCALE,
        "language_links": [
            Link(label, url_for("shell.set_language", code=code, next=request.path), active, code)
            for code, label, active in VIEW.languages
        ],
        "logout_url": url_for("auth.logout"),
        "account_url": url_for("account.overview"),
        # The layout's two scripts carry the request's CSP nonce (Samverka makes one per page).
        "csp_nonce": secrets.token_urlsafe(18),
    }


# The plugin's page: its template folder and its URL, as the plugin host mounts it.
bp = Blueprint("benchplugin", __name__, template_folder=str(PLUGIN_TEMPLATES))


@bp.route("/")
def index():
    items = newest_items(request.args.get("before", type=int))
    older = items[-1].id if len(items) == PAGE_SIZE else None
    return render_template("benchplugin/index.html", items=items, tenant=TENANT, older=older)


app.register_blueprint(bp, url_prefix="/t/<tenant_slug>/benchplugin")
