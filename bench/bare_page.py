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
URL, the user's tenants, the navigation filtered by permission) is read once at start-up and
passed as a fixed context; the URLs in it are built with ``url_for`` per request, as Samverka
does. Not here: session log-in and user lookup, tenant resolution and role check, permission
checks, plugin enablement and hooks, the ORM. The distance between this and Samverka is what
the platform itself costs on top of producing the page.

The run sends a session cookie that holds only the raw CSRF token (as a signed-in Samverka
session does), so ``csrf_token()`` signs it per request without writing a new session.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, NamedTuple

from bare import PAGE_SIZE, SCOPE_SQL, TENANT_ID, USER_ID, engine, newest_items
from flask import Blueprint, Flask, abort, g, render_template, request, url_for
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
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


class TenantLink(NamedTuple):  # as samverka.auth.services.TenantLink
    slug: str
    name: str


class Link(NamedTuple):  # as samverka.web.context.Link
    label: Any
    href: str
    active: bool = False
    code: str = ""


# The reader's navigation in the benchmarked tenant, as Samverka filters it by permission:
# the core's "Overview" (tenant:dashboard:view) and the plugin's list. The reader may not see
# Members and Modules; every member sees API tokens. Sorted as Samverka sorts (order, label).
NAV = (
    (_l("Overview"), "shell.tenant_home"),
    ("Ärenden", "benchplugin.index"),
    (_l("API tokens"), "api_tokens.index"),  # tenant:api_tokens:own, order 920
)
LANGUAGES = (("sv", "Svenska", LOCALE == "sv"), ("en", "English", LOCALE == "en"))
TENANT_ENDPOINTS = frozenset({"shell.tenant_home", "benchplugin.index", "api_tokens.index"})


def load_fixed_context() -> tuple[Named, Named, list[TenantLink]]:
    """User, tenant and the user's tenants: once, under the scope Samverka's page runs in."""
    with engine.connect() as conn:
        conn.exec_driver_sql(SCOPE_SQL, {"tenants": str(TENANT_ID), "user": USER_ID})
        user = conn.exec_driver_sql(
            "SELECT name, email FROM users WHERE id = %(id)s", {"id": int(USER_ID)}
        ).one()
        tenant = conn.exec_driver_sql(
            "SELECT name, slug FROM tenants WHERE id = %(id)s", {"id": TENANT_ID}
        ).one()
        tenants = conn.exec_driver_sql(
            "SELECT DISTINCT tenants.slug, tenants.name FROM tenants"
            " JOIN memberships ON memberships.tenant_id = tenants.id"
            " WHERE memberships.user_id = %(id)s ORDER BY tenants.name",
            {"id": int(USER_ID)},
        ).all()
    return (
        Named(user.name, email=user.email),
        Named(tenant.name, tenant.slug),
        [TenantLink(*row) for row in tenants],
    )


USER, TENANT, USER_TENANTS = load_fixed_context()

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
            Link(label, url_for(endpoint), request.endpoint == endpoint) for label, endpoint in NAV
        ],
        "current_locale": LOCALE,
        "language_links": [
            Link(label, url_for("shell.set_language", code=code, next=request.path), active, code)
            for code, label, active in LANGUAGES
        ],
        "logout_url": url_for("auth.logout"),
        "account_url": url_for("account.overview"),
        # The layout's two scripts carry the request's CSP nonce (Samverka makes one per page).
        "csp_nonce": secrets.token_urlsafe(18),
    }


# Endpoints the layout links to, at Samverka's URLs (url_for needs them; nothing is served).
shell = Blueprint("shell", __name__)
auth = Blueprint("auth", __name__)
account = Blueprint("account", __name__, url_prefix="/account")


@shell.route("/t/<tenant_slug>/")
def tenant_home():
    abort(404)


@shell.route("/switch")
def switch_tenant():
    abort(404)


@shell.route("/language/<code>")
def set_language(code: str):
    abort(404)


@account.route("/")
def overview():
    abort(404)


@auth.route("/logout", methods=["POST"])
def logout():
    abort(404)


api_tokens = Blueprint("api_tokens", __name__)


@api_tokens.route("/t/<tenant_slug>/api-tokens/", endpoint="index")
def tokens_index():
    abort(404)


# The plugin's page: its template folder and its URL, as the plugin host mounts it.
bp = Blueprint("benchplugin", __name__, template_folder=str(PLUGIN_TEMPLATES))


@bp.route("/")
def index():
    items = newest_items(request.args.get("before", type=int))
    older = items[-1].id if len(items) == PAGE_SIZE else None
    return render_template("benchplugin/index.html", items=items, tenant=TENANT, older=older)


for blueprint in (shell, auth, api_tokens):
    app.register_blueprint(blueprint)
app.register_blueprint(bp, url_prefix="/t/<tenant_slug>/benchplugin")
