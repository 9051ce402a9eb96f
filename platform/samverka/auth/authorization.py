"""The one place that decides whether a principal may perform a named action.

A principal's roles depend on the context: its memberships in a tenant, the consortia it
administers, platform administration, or the CLI operator. Plugin actions are denied in any
tenant that has not enabled the plugin.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from samverka.auth.models import ConsortiumAdmin
from samverka.auth.permissions import PermissionRegistry
from samverka.db import session_cache
from samverka.tenants.models import Consortium, Membership, Tenant, consortium_tenants

PLATFORM_ADMIN = "platform_admin"
CONSORTIUM_ADMIN = "consortium_admin"
OPERATOR = "operator"


@dataclass(frozen=True)
class Principal:
    """Who acts: a user, or the operator at the command line (``user_id`` None).

    ``role_cap``, when set, bounds the roles the principal acts with (an API token acts with
    its user's roles in the token's tenant, intersected with the cap).
    """

    user_id: int | None
    is_platform_admin: bool = False
    is_operator: bool = False
    role_cap: frozenset[str] | None = None

    @classmethod
    def of(cls, user) -> Principal:
        return cls(user_id=user.id, is_platform_admin=bool(user.is_platform_admin))

    @classmethod
    def operator(cls) -> Principal:
        return cls(user_id=None, is_operator=True)


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


def remember_member_roles(
    session: Session, principal: Principal, tenant: Tenant, member_roles: set[str]
) -> frozenset[str]:
    """Record a capped principal's roles in ``tenant`` from membership roles already read
    (an API token's lookup reads them in the same query), so that :func:`authorize` does not
    ask again in this unit of work. Exact only for a principal whose cap holds tenant roles
    alone (nothing held above the tenant survives such a cap)."""
    if principal.role_cap is None or principal.is_platform_admin or principal.is_operator:
        raise ValueError("only a capped member principal's roles can be remembered")
    roles = frozenset(member_roles) & principal.role_cap
    session_cache(session)[("roles", principal, tenant.id, None)] = roles
    return roles


def _roles_for(
    session: Session,
    principal: Principal,
    tenant: Tenant | None,
    consortium: Consortium | None,
) -> frozenset[str]:
    roles: set[str] = set()
    if principal.is_operator:
        roles.add(OPERATOR)
    if principal.is_platform_admin:
        roles.add(PLATFORM_ADMIN)
    if principal.user_id is None:
        return frozenset(roles)
    queries = []
    if tenant is not None:
        queries.append(
            select(Membership.role).where(
                Membership.tenant_id == tenant.id, Membership.user_id == principal.user_id
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
                consortium_tenants.c.tenant_id == tenant.id,
                ConsortiumAdmin.user_id == principal.user_id,
            )
        )
    if consortium is not None:
        queries.append(
            select(literal(CONSORTIUM_ADMIN)).where(
                ConsortiumAdmin.consortium_id == consortium.id,
                ConsortiumAdmin.user_id == principal.user_id,
            )
        )
    if queries:  # one round trip, whatever the context
        roles.update(session.scalars(union_all(*queries)))
    if principal.role_cap is not None:
        roles.intersection_update(principal.role_cap)
    return frozenset(roles)


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
    roles = roles_for(session, principal, tenant=tenant, consortium=consortium)
    return registry.decide(roles, action)
