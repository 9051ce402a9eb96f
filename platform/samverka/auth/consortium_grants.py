"""Roles granted through a consortium's power end with the organisation's membership.

A consortium's administrators hold the ``consortium_admin`` role in every member
organisation, which lets them manage its members. A role they grant there is an ordinary
membership row and would outlive the consortium membership that justified it (a consortium
administrator could make themselves, or a colleague, the organisation's administrator and
keep records, audit and export after the organisation left). So such a grant is *tracked*:
the membership names the consortium it came through (``memberships.via_consortium_id``),
and when the organisation leaves that consortium, or is removed from it, every such
membership is revoked in the same transaction. The organisation's own administrators may
*adopt* one (make it the organisation's own decision, on the record).

Which power a grant comes through is decided from the actor's roles in the tenant, split by
where each comes from: roles the organisation gave (memberships without a consortium) and
above-tenant roles (platform administrator, operator) are the actor's own; the consortium
administrator role and roles granted through a consortium belong to that consortium. A grant
is the organisation's own only when the actor's own roles suffice for
``tenant:members:manage``; so a role granted through a consortium cannot launder further
grants into the organisation's own.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.auth.authorization import CONSORTIUM_ADMIN, Principal, principal_roles, roles_for
from samverka.auth.models import ConsortiumAdmin, User
from samverka.auth.permissions import PermissionRegistry
from samverka.db import TenantScope, get_scope, scoped
from samverka.errors import Forbidden, NotFound
from samverka.tenants.models import Consortium, Membership, Tenant, consortium_tenants

MANAGE = "tenant:members:manage"


def acting_through(
    session: Session, registry: PermissionRegistry, principal: Principal, tenant: Tenant
) -> Consortium | None:
    """The consortium whose power lets ``principal`` manage ``tenant``'s members, or None
    when the principal does so on its own authority (or may not at all).

    With several consortia able to, the one with the lowest id is named: the grant then ends
    with that membership (ending early is the safe side)."""
    if principal.user_id is None or not registry.decide(
        roles_for(session, principal, tenant=tenant), MANAGE
    ):
        return None
    own, through = _roles_by_source(session, principal, tenant)
    if registry.decide(own, MANAGE):
        return None
    for consortium_id in sorted(through):
        if registry.decide(own | through[consortium_id], MANAGE):
            return session.get(Consortium, consortium_id)
    return None


def grant_source(
    session: Session,
    registry: PermissionRegistry,
    principal: Principal,
    tenant: Tenant,
    grantee: User,
) -> Consortium | None:
    """The consortium a role given to ``grantee`` now comes through (None: the
    organisation's own grant). Forbidden when consortium power would grant the actor a role
    of their own: a consortium's administrators may administer a member, not join it."""
    consortium = acting_through(session, registry, principal, tenant)
    if consortium is not None and grantee.id == principal.user_id:
        raise Forbidden(
            _l(
                "You administer this organisation through %(consortium)s and cannot give "
                "yourself a role in it: ask one of its own administrators.",
                consortium=consortium.name,
            )
        )
    return consortium


def revoke_through(session: Session, tenant: Tenant, consortium: Consortium, because: str) -> int:
    """End every role granted in ``tenant`` through ``consortium`` (it left or was removed),
    each audited in the tenant's chain; part of the caller's transaction. Returns how many.

    Runs in the tenant's scope whatever the caller's (a consortium's page has none)."""
    user_id = get_scope(session).user_id
    with scoped(session, TenantScope.for_tenant(tenant.id, user_id)):
        granted = session.execute(
            select(Membership.id, Membership.user_id, Membership.role)
            .where(Membership.tenant_id == tenant.id)
            .where(Membership.via_consortium_id == consortium.id)
            .order_by(Membership.user_id, Membership.role)
        ).all()
        if granted:
            session.execute(
                delete(Membership)
                .where(Membership.id.in_([row.id for row in granted]))
                .execution_options(synchronize_session=False)
            )
        for row in granted:
            record_event(
                session,
                "member.revoke",
                tenant_id=tenant.id,
                target_type="user",
                target_id=row.user_id,
                details={"role": row.role, "consortium": consortium.slug, "because": because},
            )
    return len(granted)


def adopt(session: Session, tenant: Tenant, user_id: int, role: str) -> Membership:
    """Make a role granted through a consortium the organisation's own (it then survives
    the consortium membership). Callers authorise ``tenant:members:adopt``, an
    own-authority action: a consortium's power cannot make its own grants permanent."""
    membership = session.scalar(
        select(Membership).where(
            Membership.tenant_id == tenant.id,
            Membership.user_id == user_id,
            Membership.role == role,
            Membership.via_consortium_id.is_not(None),
        )
    )
    if membership is None:
        raise NotFound(_l("No such role granted through a consortium."))
    consortium = session.get(Consortium, membership.via_consortium_id)
    session.execute(
        update(Membership)
        .where(Membership.id == membership.id)
        .values(via_consortium_id=None)
        .execution_options(synchronize_session=False)
    )
    session.refresh(membership)
    record_event(
        session,
        "member.adopt",
        tenant_id=tenant.id,
        target_type="user",
        target_id=user_id,
        details={"role": role, "consortium": consortium.slug if consortium else None},
    )
    return membership


def granted_in(session: Session, tenant: Tenant) -> dict[tuple[int, str], Consortium]:
    """(user id, role) → the consortium it was granted through, for the tenant's roles that
    end with a consortium membership (the members page marks them)."""
    rows = session.execute(
        select(Membership.user_id, Membership.role, Consortium)
        .join(Consortium, Consortium.id == Membership.via_consortium_id)
        .where(Membership.tenant_id == tenant.id)
    )
    return {(user_id, role): consortium for user_id, role, consortium in rows}


def counts_by_consortium(session: Session, tenant: Tenant) -> dict[int, int]:
    """Consortium id → how many of the tenant's roles were granted through it (and end
    when the tenant leaves it)."""
    rows = session.execute(
        select(Membership.via_consortium_id, func.count())
        .where(Membership.tenant_id == tenant.id, Membership.via_consortium_id.is_not(None))
        .group_by(Membership.via_consortium_id)
    )
    return {consortium_id: count for consortium_id, count in rows}


def _roles_by_source(
    session: Session, principal: Principal, tenant: Tenant
) -> tuple[frozenset[str], dict[int, frozenset[str]]]:
    """(the principal's own roles in the tenant, consortium id → the roles it holds there
    through that consortium), each within the principal's role cap."""
    through: dict[int, set[str]] = {}
    own = set(principal_roles(principal))
    rows = session.execute(
        select(Membership.via_consortium_id, Membership.role).where(
            Membership.tenant_id == tenant.id, Membership.user_id == principal.user_id
        )
    )
    for consortium_id, role in rows:
        (own if consortium_id is None else through.setdefault(consortium_id, set())).add(role)
    administered = session.scalars(
        select(ConsortiumAdmin.consortium_id)
        .join(
            consortium_tenants,
            consortium_tenants.c.consortium_id == ConsortiumAdmin.consortium_id,
        )
        .where(
            consortium_tenants.c.tenant_id == tenant.id,
            ConsortiumAdmin.user_id == principal.user_id,
        )
    )
    for consortium_id in administered:
        through.setdefault(consortium_id, set()).add(CONSORTIUM_ADMIN)

    def capped(roles: set[str]) -> frozenset[str]:
        roles = frozenset(roles)
        return roles & principal.role_cap if principal.role_cap is not None else roles

    return capped(own), {cid: capped(roles) for cid, roles in through.items()}
