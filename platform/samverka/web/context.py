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
from flask_babel import lazy_gettext as _l

from samverka import clock
from samverka.auth import sessions
from samverka.auth.authorization import Principal, authorize, bind_session, unbind_session
from samverka.auth.mfa import requires_mfa
from samverka.auth.models import User
from samverka.auth.services import user_tenants
from samverka.auth.session_models import UserSession
from samverka.db import SCOPE_FREE, TenantScope, set_scope
from samverka.plugins.manifest import NavGroup, NavItem
from samverka.plugins.services import effective_config, enabled_plugins
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


#: The groups of the tenant menu, in the top row's order, with their headings.
NAV_GROUP_LABELS = {
    NavGroup.WORK: _l("Work"),
    NavGroup.MODULES: _l("Modules"),
    NavGroup.ADMIN: _l("Administration"),
}
#: Pages with no menu entry of their own that belong under another entry's (blueprint →
#: that entry's endpoint): a situation picture is reached from its round, the whole
#: overview from the start page.
SECTION_OF_BLUEPRINT = {
    "picture_pages": "round_pages.index",
    "overview_pages": "shell.tenant_home",
}


@dataclass(frozen=True)
class MenuGroup:
    """One group of the tenant menu: its heading, its page and the entries the user sees."""

    key: NavGroup
    label: Any
    href: str
    items: list[Link]
    active: bool = False


@dataclass(frozen=True)
class Menu:
    """The tenant menu of this request: the top row (the start page's entries, then one
    link per group) and the groups themselves (each listed on its own page)."""

    top: list[Link]
    groups: list[MenuGroup]

    def group(self, key: str) -> MenuGroup | None:
        return next((group for group in self.groups if group.key == key), None)


def _in_section(endpoint: str) -> bool:
    """Whether this request's page is ``endpoint``'s or belongs with it (same blueprint,
    or a blueprint listed in :data:`SECTION_OF_BLUEPRINT`); the start page only itself."""
    if request.endpoint == endpoint:
        return True
    blueprint = request.blueprint or ""
    if SECTION_OF_BLUEPRINT.get(blueprint) == endpoint:
        return True
    own = endpoint.rpartition(".")[0]
    return bool(blueprint) and own == blueprint and own != "shell"


def visible_nav_items() -> list[NavItem]:
    """The enabled plugins' (and the core's) entries the user may use, in their order."""
    tenant = g.get("tenant")
    user = current_user()
    if tenant is None or user is None:
        return []
    items = [
        item for group in g.hooks.register_nav_items(tenant=tenant, user=user) for item in group
    ]
    items.sort(key=lambda item: (item.order, str(item.label)))
    return [item for item in items if can(item.action)]


def menu() -> Menu:
    """The tenant menu, built once per request (the layout and a group's page both ask)."""
    if "menu" not in g:
        g.menu = _build_menu(visible_nav_items())
    return g.menu


def _build_menu(items: list[NavItem]) -> Menu:
    top = [
        Link(item.label, url_for(item.endpoint), _in_section(item.endpoint))
        for item in items
        if item.group == NavGroup.HOME
    ]
    groups = []
    for key, label in NAV_GROUP_LABELS.items():
        links = [
            Link(item.label, url_for(item.endpoint), _in_section(item.endpoint))
            for item in items
            if item.group == key
        ]
        if not links:
            continue
        href = url_for("shell.nav_group", group=key.value)
        here = request.endpoint == "shell.nav_group" and _viewed_group() == key.value
        active = here or any(link.active for link in links)
        groups.append(MenuGroup(key, label, href, links, active))
    top += [Link(group.label, group.href, group.active) for group in groups]
    return Menu(top, groups)


def _viewed_group() -> str | None:
    return (request.view_args or {}).get("group")


def nav_items() -> list[Link]:
    """The top row of the tenant menu: the overview, then one link per group."""
    if g.get("tenant") is None or current_user() is None:
        return []
    return menu().top


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


def current_tenant() -> Tenant | None:
    """The request's tenant (None outside a tenant's pages): ``g.tenant``, set here."""
    return g.get("tenant")


def plugin_config(name: str) -> dict:
    """The current tenant's effective configuration of plugin ``name``."""
    return effective_config(db_session(), runtime().host, current_tenant(), name)
