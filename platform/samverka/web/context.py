"""Per-request context: the user, the tenant in the URL, the DB scope and enabled plugins.

Every URL under ``/t/<tenant_slug>/`` belongs to one tenant. Before any view runs, the tenant
is loaded, the user's access to it checked (404 when the user has no role there, so probes
learn nothing), the database scope set to that tenant, and the tenant's enabled plugins
computed. A plugin's blueprint answers 404 in a tenant that has not enabled the plugin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, abort, g, redirect, request, session, url_for
from flask_babel import get_locale

from samverka import clock
from samverka.auth import sessions
from samverka.auth.authorization import Principal, authorize, bind_session, unbind_session
from samverka.auth.models import User
from samverka.auth.session_models import UserSession
from samverka.db import SCOPE_FREE, TenantScope, set_scope
from samverka.plugins.services import enabled_plugins
from samverka.runtime import db_session, runtime
from samverka.tenants.models import Tenant
from samverka.web.lookups import session_user_and_tenant, tenant_context

LOCALES = ("sv", "en")
LANGUAGE_LABELS = {"sv": "Svenska", "en": "English"}
PLUGIN_BLUEPRINTS_KEY = "samverka.plugin_blueprints"
#: The cookie's only credential: the random secret of a server-side session.
SESSION_KEY = "sid"


@dataclass(frozen=True)
class Link:
    label: Any
    href: str
    active: bool = False
    code: str = ""


def select_locale() -> str:
    """The session's choice, else the browser's; outside requests (CLI, jobs) the default."""
    from flask import has_request_context

    if not has_request_context():
        return runtime().settings.default_locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or runtime().settings.default_locale


def current_user() -> User | None:
    return g.get("user")


def current_session() -> UserSession | None:
    """The live server-side session of this request (None when anonymous)."""
    return g.get("user_session")


def lifetimes() -> sessions.Lifetimes:
    return sessions.Lifetimes.from_settings(runtime().settings)


def principal() -> Principal:
    """Who acts: set per request from the API token or the session (an SSO session's
    principal is bound to the provider's tenant)."""
    if "principal" in g:
        return g.principal
    user = current_user()
    return Principal.of(user) if user else Principal(user_id=None)


def can(action: str, *, tenant: Tenant | None = None, consortium=None) -> bool:
    """The web's way to ask the one authorisation function."""
    if current_user() is None:
        return False
    tenant = tenant if tenant is not None else g.get("tenant")
    plugins = g.get("enabled_plugins") if tenant is g.get("tenant") else None
    if tenant is not None and plugins is None:
        plugins = enabled_plugins(db_session(), runtime().host, tenant)
    return authorize(
        db_session(),
        runtime().registry,
        principal(),
        action,
        tenant=tenant,
        consortium=consortium,
        enabled_plugins=plugins,
    )


def require(action: str, **kwargs: Any) -> None:
    if current_user() is None:
        abort(401)
    if not can(action, **kwargs):
        abort(403)


def _is_api_request() -> bool:
    """The API (``/api/``) authenticates by bearer token on its own request path."""
    return request.path.startswith("/api/")


def _load_user() -> None:
    """The signed-in user (from the server-side session whose secret the cookie holds) and,
    for URLs under ``/t/<tenant_slug>/``, the tenant: one read. A session that has ended,
    expired or sat idle too long, or whose user is switched off, is anonymous, and its
    secret leaves the cookie."""
    if _is_api_request():
        return
    g.user = None
    g.tenant_row = None
    secret = session.get(SESSION_KEY)
    if not isinstance(secret, str) or not secret:
        set_scope(db_session(), TenantScope())
        return
    database = db_session()
    row, user, g.tenant_row = session_user_and_tenant(
        database, sessions.digest(secret), g.get("tenant_slug")
    )
    now = clock.now()
    if row is None or not user.is_active or not sessions.is_live(row, now, lifetimes()):
        set_scope(database, TenantScope())
        session.pop(SESSION_KEY, None)
        return
    if sessions.touch(database, row, now):
        database.commit()
    set_scope(database, TenantScope((), user.id))
    g.user = user
    g.user_session = row
    g.principal = Principal.of(user, tenant_bound=row.sso_tenant_id)
    if row.sso_tenant_id is not None:  # services that authorise from the user object, too
        g.session_binding = bind_session(user.id, row.sso_tenant_id)


def _unbind(_error: BaseException | None = None) -> None:
    """The request's session binding ends with the request (the thread serves others)."""
    token = g.pop("session_binding", None)
    if token is not None:
        unbind_session(token)


# What a session without the second factor it needs may still reach.
SECOND_FACTOR_ENDPOINTS = frozenset(
    {"account.mfa_setup", "auth.verify", "auth.logout", "shell.set_language", "static"}
)


def _require_second_factor():
    """Administrators must use a second factor in every session: a session of someone who
    administers anything (a tenant, a consortium, the platform) without a satisfied second
    factor reaches only the code step (when enrolled; the password log-in already asked for
    the code, an SSO log-in has not) or the enrolment page (enrolling satisfies it).

    The session row says whether the factor was satisfied; whether the user administers is
    known from the tenant's context inside a tenant, elsewhere one indexed EXISTS query, so
    someone made an administrator while logged in is stopped at their next request.
    """
    from samverka.auth.mfa import requires_mfa

    user, row = current_user(), current_session()
    if user is None or row is None or row.second_factor_at is not None:
        return None
    if request.endpoint in SECOND_FACTOR_ENDPOINTS or _is_api_request():
        return None
    administers = g.get("administers")
    if administers is None:
        administers = requires_mfa(db_session(), user)
    if not (administers or user.is_platform_admin):
        return None
    if request.method != "GET":
        abort(403)
    here = request.full_path.rstrip("?")
    if user.mfa_enabled:
        return redirect(url_for("auth.verify", next=here))
    return redirect(url_for("account.mfa_setup", next=here))


def _pull_tenant(endpoint: str | None, values: dict | None) -> None:
    if values is not None:
        g.tenant_slug = values.pop("tenant_slug", None)


def _add_tenant(endpoint: str, values: dict) -> None:
    if "tenant_slug" in values or g.get("tenant") is None:
        return
    if _has_tenant_rule(endpoint):
        values["tenant_slug"] = g.tenant.slug


def _has_tenant_rule(endpoint: str) -> bool:
    from flask import current_app

    cache = current_app.extensions.setdefault("samverka.tenant_endpoints", {})
    if endpoint not in cache:
        cache[endpoint] = (
            any(
                "tenant_slug" in rule.arguments for rule in current_app.url_map.iter_rules(endpoint)
            )
            if endpoint in current_app.view_functions
            else False
        )
    return cache[endpoint]


def _enter_tenant() -> None:
    """Resolve ``/t/<tenant_slug>/``: 404 unless the user holds some role in the tenant."""
    if _is_api_request():
        return
    slug = g.get("tenant_slug")
    g.tenant = None
    g.enabled_plugins = frozenset()
    if slug is None:
        return
    user = current_user()
    if user is None:
        abort(401)
    tenant = g.tenant_row
    if tenant is None:
        abort(404)
    set_scope(db_session(), TenantScope((tenant.id,), user.id))
    found = tenant_context(db_session(), runtime().host, principal(), tenant)
    if not found.roles:
        set_scope(db_session(), TenantScope((), user.id))
        abort(404)  # no role here: the tenant might as well not exist
    g.tenant = tenant
    g.enabled_plugins = found.enabled_plugins
    g.user_tenants = found.user_tenants
    g.administers = found.administers
    g.hooks = runtime().host.hooks_for(g.enabled_plugins)
    owner = request.blueprint and _plugin_of_blueprint(request.blueprint)
    if owner and owner not in g.enabled_plugins:
        abort(404)


def _plugin_of_blueprint(blueprint: str) -> str | None:
    from flask import current_app

    mapping: dict[str, str] = current_app.extensions.get(PLUGIN_BLUEPRINTS_KEY, {})
    return mapping.get(blueprint.split(".", 1)[0])


def nav_items() -> list[Link]:
    tenant = g.get("tenant")
    user = current_user()
    if tenant is None or user is None:
        return []
    items = [
        item for group in g.hooks.register_nav_items(tenant=tenant, user=user) for item in group
    ]
    items.sort(key=lambda item: (item.order, str(item.label)))
    return [
        Link(item.label, url_for(item.endpoint), request.endpoint == item.endpoint)
        for item in items
        if can(item.action)
    ]


def language_links() -> list[Link]:
    current = str(get_locale())
    return [
        Link(
            LANGUAGE_LABELS[code],
            url_for("shell.set_language", code=code, next=request.path),
            code == current,
            code,
        )
        for code in LOCALES
    ]


def template_context() -> dict[str, Any]:
    """The layout's context, computed once per request: GOV.UK form widgets render templates
    of their own, and Flask runs context processors for every one of them."""
    if g.get("degraded"):
        return {"current_locale": str(get_locale()), "current_user": None}
    if "template_context" not in g:
        g.template_context = _template_context()
    return g.template_context


def reachable_tenants(user: User) -> list:
    """The tenants this session reaches (switcher, start page): the user's tenants, or for
    an SSO session only the provider's tenant."""
    from samverka.auth.services import user_tenants

    tenants = user_tenants(db_session(), user)
    bound = principal().tenant_bound
    if bound is None:
        return tenants
    own = db_session().get(Tenant, bound, execution_options=SCOPE_FREE)
    return [link for link in tenants if own is not None and link.slug == own.slug]


def _template_context() -> dict[str, Any]:
    user = current_user()
    tenants = g.get("user_tenants")
    if tenants is None:
        tenants = reachable_tenants(user) if user else []
    return {
        "current_user": user,
        "current_tenant": g.get("tenant"),
        "user_tenants": tenants,
        "nav_items": nav_items(),
        "current_locale": str(get_locale()),
        "language_links": language_links(),
        "logout_url": url_for("auth.logout") if user else None,
        "account_url": url_for("account.overview") if user else None,
        "can": can,
        "is_platform_admin": principal().is_platform_admin,
    }


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(_pull_tenant)
    app.url_defaults(_add_tenant)
    app.before_request(_load_user)
    app.teardown_request(_unbind)
    app.before_request(_enter_tenant)
    # After the tenant: its scope (already sent to PostgreSQL) shows the user's own
    # memberships, so the check costs one query and no extra scope round trip.
    app.before_request(_require_second_factor)
    app.context_processor(template_context)
