"""Who calls the API: a bearer token, bound to one user in one tenant.

The API has its own request path: no cookie session (so no CSRF), no log-in page. Before a
view runs, :func:`enter` checks the body (size, content type, JSON), authenticates the token
(401 otherwise), and for ``/api/v1/tenants/<tenant>/…`` answers 404 unless ``<tenant>`` is the
token's own tenant — another tenant's resources do not exist for this token, whether or not
they exist at all. The session is scoped to the token's tenant (ORM criteria and PostgreSQL
RLS), and every action is decided by :func:`samverka.auth.authorization.authorize` with the
token's principal (its user's roles there, at most its role cap).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app, g, request

from samverka import clock
from samverka.api.problems import ApiProblem
from samverka.auth import tokens
from samverka.auth.authorization import Principal, authorize, remember_member_roles
from samverka.auth.models import User
from samverka.auth.token_models import ApiToken
from samverka.db import TenantScope, set_scope
from samverka.runtime import db_session, runtime
from samverka.tenants.models import Tenant

MAX_BODY = 64 * 1024  # the API's bodies are small; the web allows 2 MiB for forms
MULTIPART_OVERHEAD = 64 * 1024  # an upload may be the file's size limit plus its framing
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
TENANT_ARG = "tenant"
PUBLIC_ENDPOINTS = frozenset({"api-docs.openapi_json", "api_docs.page"})
PLUGIN_API_BLUEPRINTS_KEY = "samverka.plugin_api_blueprints"


@dataclass(frozen=True)
class Caller:
    token: ApiToken
    user: User
    tenant: Tenant
    principal: Principal
    roles: frozenset[str]
    enabled_plugins: frozenset[str]  # read with the token (intersect with the installed)


def caller() -> Caller:
    return g.api_caller


def pull_tenant(_endpoint: str | None, values: dict | None) -> None:
    """``<tenant>`` in an API path is checked by :func:`enter`, not passed to views."""
    if values is not None and request.path.startswith("/api/"):
        g.api_tenant_ref = values.pop(TENANT_ARG, None)


def enter() -> None:
    """Runs before every API view (after routing: unknown paths and methods answer first)."""
    if request.url_rule is None or request.endpoint in PUBLIC_ENDPOINTS:
        return
    check_body()
    found = authenticate()
    g.api_caller = found
    g.user, g.principal = found.user, found.principal  # plugins' authorize() asks through these
    g.tenant, g.enabled_plugins = None, frozenset()
    reference = g.pop("api_tenant_ref", None)
    if reference is None:
        return
    if reference != found.tenant.slug:
        raise ApiProblem("not-found", f"No organisation called {reference}.")
    g.tenant = found.tenant
    g.enabled_plugins = found.enabled_plugins & frozenset(runtime().host.installed)
    owners = current_app.extensions.get(PLUGIN_API_BLUEPRINTS_KEY, {})
    owner = owners.get((request.blueprint or "").split(".", 1)[0])
    if owner is not None and owner not in g.enabled_plugins:
        raise ApiProblem("not-found", f"Nothing at {request.path}.")


def check_body() -> None:
    """413, 415 and 400 before anything is parsed or authenticated (cheap checks first).
    A view may allow a larger body (``api_max_body``) or a multipart upload
    (``api_multipart``, limited by SAMVERKA_ATTACHMENT_MAX_BYTES); see
    :func:`samverka.api.records.body_limit`."""
    view = current_app.view_functions.get(request.endpoint)
    limit = getattr(view, "api_max_body", None) or MAX_BODY
    multipart = getattr(view, "api_multipart", False)
    if multipart:
        limit = runtime().settings.attachment_max_bytes + MULTIPART_OVERHEAD
    request.max_content_length = limit
    if (request.content_length or 0) > limit:
        raise ApiProblem("payload-too-large", f"The body may be at most {limit} bytes.")
    if request.method not in BODY_METHODS:
        return
    if getattr(view, "api_no_body", False) and not request.get_data(cache=True):
        return  # an action without input (POST …/restore)
    if multipart:
        if request.mimetype != "multipart/form-data":
            raise ApiProblem(
                "unsupported-media-type",
                f"Send the file as multipart/form-data, not {request.mimetype or 'nothing'}.",
            )
        return
    if not request.is_json:
        raise ApiProblem(
            "unsupported-media-type",
            f"Send the body as application/json, not {request.mimetype or 'nothing'}.",
        )
    try:
        json.loads(request.get_data(cache=True) or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        where = (
            f" (line {error.lineno}, column {error.colno})"
            if isinstance(error, json.JSONDecodeError)
            else ""
        )
        message = error.msg if isinstance(error, json.JSONDecodeError) else "not UTF-8"
        raise ApiProblem(
            "malformed-json", f"The body is not valid JSON: {message}{where}."
        ) from None


def authenticate() -> Caller:
    """The live token of ``Authorization: Bearer …`` and what it may act as; else 401."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ApiProblem("unauthorized", "Send an API token: Authorization: Bearer <token>.")
    invalid = ApiProblem(
        "unauthorized",
        "The token is invalid, expired or revoked.",
        headers={"WWW-Authenticate": 'Bearer realm="samverka", error="invalid_token"'},
    )
    parsed = tokens.parse_token(raw.strip())
    if parsed is None:
        raise invalid
    session = db_session()
    set_scope(session, TenantScope.for_tenant(parsed.tenant_id))  # the lookup runs under RLS
    now = clock.now()
    live = tokens.find_valid(session, parsed, now)
    if live is None:
        raise invalid
    principal = tokens.principal_for(live.token, runtime().registry)
    # the roles came with the token's row: authorize() is fed them, not asked to query again
    roles = remember_member_roles(session, principal, live.tenant, live.member_roles)
    if not roles:  # the user left the tenant (or lost the capped role): the token is dead
        raise invalid
    tokens.touch(session, live.token, now)
    return Caller(live.token, live.user, live.tenant, principal, roles, live.enabled_plugins)


def require(action: str, *, tenant: Tenant | None = None) -> None:
    """403 unless the token's principal may perform ``action`` (in its tenant by default)."""
    who = caller()
    allowed = authorize(
        db_session(),
        runtime().registry,
        who.principal,
        action,
        tenant=tenant or who.tenant,
        enabled_plugins=g.get("enabled_plugins") or None,
    )
    if not allowed:
        raise ApiProblem("forbidden", f"This token may not {action}.")
