"""The request path's database reads, in as few round trips as possible.

Every page inside a tenant needs the signed-in user, the tenant in the URL, the user's roles
there, the tenant's enabled plugins, the user's other tenants (the switcher) and whether the
user administers anything (then MFA is required). Read one by one that is six statements
before the page's own query; here it is two:

1. before any tenant scope exists, the session (by the digest of the cookie's secret), its
   user and the tenant (tables without row-level security) in one statement;
2. once the scope is set (so PostgreSQL's policies apply), the roles, the enabled plugins, the
   user's tenants and the administrator test as one ``UNION ALL`` of the very queries the
   services use one at a time
   (:func:`~samverka.auth.authorization.role_queries`,
   :func:`~samverka.plugins.services.enabled_plugins_query`,
   :func:`~samverka.auth.services.user_tenants_query`,
   :func:`~samverka.auth.mfa.administers_anything`), each row tagged with what it is.

Both statements are built once, with bind parameters: building SQL expressions costs more
Python time than the database spends answering them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (
    CompoundSelect,
    Select,
    String,
    bindparam,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from samverka.auth.authorization import (
    Principal,
    bound_roles,
    principal_roles,
    remember_roles,
    role_queries,
)
from samverka.auth.mfa import administers_anything
from samverka.auth.models import User
from samverka.auth.services import TenantLink, sorted_tenant_links, user_tenants_query
from samverka.auth.session_models import UserSession
from samverka.db import SCOPE_FREE
from samverka.plugins.host import PluginHost
from samverka.plugins.services import enabled_plugins_query
from samverka.tenants.models import Tenant

ROLE, PLUGIN, TENANT, ADMINISTERS = "role", "plugin", "tenant", "administers"


def session_user_and_tenant(
    session: Session, secret_hash: str, tenant_slug: str | None
) -> tuple[UserSession | None, User | None, Tenant | None]:
    """The session row with this secret digest, its user and, when a slug is given, the
    tenant by slug (None for what is absent). One statement; whether the session is still
    live is the caller's to judge (:func:`samverka.auth.sessions.is_live`)."""
    if tenant_slug is None:
        row = session.execute(_session_statement(), {"secret_hash": secret_hash}).first()
        return (row[0], row[1], None) if row is not None else (None, None, None)
    row = session.execute(
        _session_and_tenant_statement(), {"secret_hash": secret_hash, "tenant_slug": tenant_slug}
    ).first()
    return (row[0], row[1], row[2]) if row is not None else (None, None, None)


@dataclass(frozen=True)
class TenantContext:
    """What a request inside a tenant needs to know about the user and the tenant."""

    roles: frozenset[str]
    enabled_plugins: frozenset[str]
    user_tenants: list[TenantLink]
    administers: bool  # a consortium or a tenant, anywhere (administrators must use MFA)


def tenant_context(
    session: Session, host: PluginHost, principal: Principal, tenant: Tenant
) -> TenantContext:
    """Roles, enabled plugins and the user's tenants in one round trip (scope already set).

    The roles are remembered for :func:`~samverka.auth.authorization.roles_for`, so the
    permission checks that follow in the same request ask the database nothing more.
    """
    if principal.user_id is None:
        raise ValueError("a tenant context needs a signed-in user")
    rows = session.execute(
        _tenant_context_statement(), {"user_id": principal.user_id, "tenant_id": tenant.id}
    )
    by_kind: dict[str, list] = {ROLE: [], PLUGIN: [], TENANT: [], ADMINISTERS: []}
    for value, name, kind in rows:
        by_kind[kind].append((value, name))
    roles = bound_roles(
        principal, tenant.id, principal_roles(principal) | {value for value, _ in by_kind[ROLE]}
    )
    remember_roles(session, principal, tenant, roles)
    return TenantContext(
        roles=roles,
        enabled_plugins=frozenset(value for value, _ in by_kind[PLUGIN])
        & frozenset(host.installed),
        user_tenants=[
            link
            for link in sorted_tenant_links(by_kind[TENANT])
            if principal.tenant_bound is None or link.slug == tenant.slug
        ],
        administers=bool(by_kind[ADMINISTERS]),
    )


@lru_cache(maxsize=1)
def _session_statement() -> Select:
    return (
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.secret_hash == bindparam("secret_hash"))
        .execution_options(**SCOPE_FREE)
    )


@lru_cache(maxsize=1)
def _session_and_tenant_statement() -> Select:
    tenant = aliased(Tenant)
    return (
        select(UserSession, User, tenant)
        .join(User, User.id == UserSession.user_id)
        .outerjoin(tenant, tenant.slug == bindparam("tenant_slug"))
        .where(UserSession.secret_hash == bindparam("secret_hash"))
        .execution_options(**SCOPE_FREE)
    )


@lru_cache(maxsize=1)
def _tenant_context_statement() -> CompoundSelect:
    user_id, tenant_id = bindparam("user_id"), bindparam("tenant_id")
    parts = [_tagged(ROLE, query) for query in role_queries(user_id, tenant_id)]
    parts.append(_tagged(PLUGIN, enabled_plugins_query(tenant_id)))
    parts.append(user_tenants_query(user_id).add_columns(literal_column(f"'{TENANT}'")))
    parts.append(_tagged(ADMINISTERS, select(null()).where(administers_anything(user_id))))
    return union_all(*parts)


def _tagged(kind: str, query: Select) -> Select:
    """A one-column query widened to (value, name, kind) for the union."""
    return query.add_columns(null().cast(String), literal_column(f"'{kind}'"))
