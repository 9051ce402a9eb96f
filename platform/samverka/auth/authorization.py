"""The one place that decides whether a principal may perform a named action.

A principal's roles depend on the context: its memberships in a tenant, the consortia it
administers, platform administration, or the CLI operator. Plugin actions are denied in any
tenant that has not enabled the plugin.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, literal, select, union_all
from sqlalchemy.orm import Session

from samverka.auth.models import ConsortiumAdmin
from samverka.auth.permissions import PermissionRegistry
from samverka.db import session_cache
from samverka.tenants.models import Consortium, Membership, Tenant, consortium_tenants

PLATFORM_ADMIN = "platform_admin"
CONSORTIUM_ADMIN = "consortium_admin"
OPERATOR = "operator"
#: Roles held above a tenant: a tenant-bound principal never acts with them.
ABOVE_TENANT = frozenset({PLATFORM_ADMIN, CONSORTIUM_ADMIN, OPERATOR})


@dataclass(frozen=True)
class Principal:
    """Who acts: a user, or the operator at the command line (``user_id`` None).

    ``role_cap``, when set, bounds the roles the principal acts with (an API token acts with
    its user's roles in the token's tenant, intersected with the cap).

    ``tenant_bound``, when set, is the only tenant the principal reaches, and there only with
    the user's membership roles: a session established by a tenant's identity provider acts
    on that provider's word, which vouches for nothing elsewhere (no roles in other tenants,
    no consortium or platform administration).
    """

    user_id: int | None
    is_platform_admin: bool = False
    is_operator: bool = False
    role_cap: frozenset[str] | None = None
    tenant_bound: int | None = None

    @classmethod
    def of(cls, user, *, tenant_bound: int | None = None) -> Principal:
        """The user's principal; ``tenant_bound`` (an SSO session's tenant) drops platform
        administration and every other tenant. Inside a request whose session is bound
        (:func:`bind_session`), every principal made for that user is bound too, so a
        service that authorises from the user object cannot step outside the session's
        tenant."""
        if tenant_bound is None:
            bound = _SESSION_BINDING.get()
            if bound is not None and bound[0] == user.id:
                tenant_bound = bound[1]
        if tenant_bound is not None:
            return cls(user_id=user.id, tenant_bound=tenant_bound)
        return cls(user_id=user.id, is_platform_admin=bool(user.is_platform_admin))

    @classmethod
    def operator(cls) -> Principal:
        return cls(user_id=None, is_operator=True)


# (user id, tenant id) of the current request's tenant-bound session, if any.
_SESSION_BINDING: ContextVar[tuple[int, int] | None] = ContextVar(
    "samverka_session_binding", default=None
)


def bind_session(user_id: int | None, tenant_id: int | None) -> Token:
    """Bind this request's principals for ``user_id`` to ``tenant_id`` (None: unbound);
    returns the token :func:`unbind_session` takes at the end of the request."""
    binding = (user_id, tenant_id) if user_id is not None and tenant_id is not None else None
    return _SESSION_BINDING.set(binding)


def unbind_session(token: Token) -> None:
    try:
        _SESSION_BINDING.reset(token)
    except ValueError:  # set in another context (should not happen): unbind all the same
        _SESSION_BINDING.set(None)


def roles_for(
    session: Session,
    principal: Principal,
    *,
    tenant: Tenant | None = None,
    consortium: Consortium | None = None,
) -> frozenset[str]:
    """The principal's roles in this context (memoised per unit of work)."""
    key = ("roles", principal, tenant.id if tenant else None, consortium.id if consortium else None)
    cache = session_cache(session)
    if key not in cache:
        cache[key] = _roles_for(session, principal, tenant, consortium)
    return cache[key]


def own_roles_for(session: Session, principal: Principal, tenant: Tenant) -> frozenset[str]:
    """The principal's roles in ``tenant`` on the organisation's own authority: memberships
    it granted itself (not through a consortium) and platform roles; never the consortium
    administrator role. Decides :attr:`Permission.own_authority` actions."""
    key = ("own-roles", principal, tenant.id)
    cache = session_cache(session)
    if key not in cache:
        roles = principal_roles(principal)
        if principal.user_id is not None:
            roles |= frozenset(
                session.scalars(
                    select(Membership.role).where(
                        Membership.tenant_id == tenant.id,
                        Membership.user_id == principal.user_id,
                        Membership.via_consortium_id.is_(None),
                    )
                )
            )
        cache[key] = bound_roles(principal, tenant.id, roles)  # an SSO session's bounds too
    return cache[key]


def remember_member_roles(
    session: Session, principal: Principal, tenant: Tenant, member_roles: set[str]
) -> frozenset[str]:
    """Record a capped principal's roles in ``tenant`` from membership roles already read
    (an API token's lookup reads them in the same query), so that :func:`authorize` does not
    ask again in this unit of work. Exact only for a principal whose cap holds tenant roles
    alone (nothing held above the tenant survives such a cap)."""
    if principal.role_cap is None or principal.is_platform_admin or principal.is_operator:
        raise ValueError("only a capped member principal's roles can be remembered")
    roles = bound_roles(principal, tenant.id, frozenset(member_roles))
    remember_roles(session, principal, tenant, roles)
    return roles


def _roles_for(
    session: Session,
    principal: Principal,
    tenant: Tenant | None,
    consortium: Consortium | None,
) -> frozenset[str]:
    if principal.user_id is None:
        return principal_roles(principal)
    tenant_id = tenant.id if tenant is not None else None
    if principal.tenant_bound is not None and tenant_id != principal.tenant_bound:
        return frozenset()  # outside its tenant a bound principal holds nothing: no query
    queries = role_queries(
        principal.user_id,
        tenant_id,
        consortium.id if consortium is not None else None,
    )
    fetched = session.scalars(union_all(*queries)) if queries else ()  # one round trip
    return bound_roles(principal, tenant_id, principal_roles(principal) | frozenset(fetched))


def bound_roles(
    principal: Principal, tenant_id: int | None, roles: frozenset[str]
) -> frozenset[str]:
    """``roles`` as far as the principal's bounds allow: nothing outside a bound tenant and
    only membership roles inside it; then the role cap. Every path that reads roles (here,
    the request path's combined lookup, an API token's lookup) applies it."""
    if principal.tenant_bound is not None:
        if tenant_id != principal.tenant_bound:
            return frozenset()
        roles = frozenset(roles) - ABOVE_TENANT
    return roles & principal.role_cap if principal.role_cap is not None else frozenset(roles)


def principal_roles(principal: Principal) -> frozenset[str]:
    """The roles a principal holds whatever the context (platform admin, operator)."""
    roles = set()
    if principal.is_operator:
        roles.add(OPERATOR)
    if principal.is_platform_admin:
        roles.add(PLATFORM_ADMIN)
    return frozenset(roles)


def role_queries(user_id: Any, tenant_id: Any = None, consortium_id: Any = None) -> list[Select]:
    """One-column SELECTs of the role names a user holds in a tenant and/or a consortium.

    The ids may be values or bind parameters (the request path builds its statement once).
    """
    queries = []
    if tenant_id is not None:
        queries.append(
            select(Membership.role).where(
                Membership.tenant_id == tenant_id, Membership.user_id == user_id
            )
        )
        queries.append(
            select(literal(CONSORTIUM_ADMIN))
            .select_from(ConsortiumAdmin)
            .join(
                consortium_tenants,
                consortium_tenants.c.consortium_id == ConsortiumAdmin.consortium_id,
            )
            .where(
                consortium_tenants.c.tenant_id == tenant_id,
                ConsortiumAdmin.user_id == user_id,
            )
        )
    if consortium_id is not None:
        queries.append(
            select(literal(CONSORTIUM_ADMIN)).where(
                ConsortiumAdmin.consortium_id == consortium_id,
                ConsortiumAdmin.user_id == user_id,
            )
        )
    return queries


def remember_roles(
    session: Session, principal: Principal, tenant: Tenant, roles: frozenset[str]
) -> None:
    """Seed :func:`roles_for`'s memo with roles read elsewhere in the same unit of work (the
    request path reads them together with other lookups, in one round trip)."""
    session_cache(session)[("roles", principal, tenant.id, None)] = roles


def authorize(
    session: Session,
    registry: PermissionRegistry,
    principal: Principal,
    action: str,
    *,
    tenant: Tenant | None = None,
    consortium: Consortium | None = None,
    enabled_plugins: frozenset[str] | None = None,
) -> bool:
    """Deny by default; any deny vetoes; plugin actions need the plugin enabled in the tenant."""
    permission = registry.check_known(action)
    if permission.scope == "tenant" and tenant is None:
        raise ValueError(f"{action} needs a tenant")
    if permission.scope == "consortium" and consortium is None:
        raise ValueError(f"{action} needs a consortium")
    if permission.plugin is not None and (
        tenant is None or enabled_plugins is None or permission.plugin not in enabled_plugins
    ):
        return False
    if permission.own_authority and tenant is not None:
        roles = own_roles_for(session, principal, tenant)
    else:
        roles = roles_for(session, principal, tenant=tenant, consortium=consortium)
    return registry.decide(roles, action)
