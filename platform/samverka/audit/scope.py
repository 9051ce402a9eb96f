"""Who may read which audit entries: the ORM half of the rule (PostgreSQL RLS is the other).

An entry is visible when its tenant is in the session's scope; an entry without a tenant
(platform-level) when :data:`PLATFORM_SCOPE_ID` is in the scope. The generic tenant criteria
of :mod:`samverka.db` cover ``TenantOwned`` rows only (whose ``tenant_id`` is never NULL), so
this module adds the criteria for :class:`AuditEntry` to every ORM query that reads it.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from samverka.audit.chain import tenant_of_chain
from samverka.audit.models import PLATFORM_SCOPE_ID, AuditChainHead, AuditEntry
from samverka.db import SCOPE_FREE, TenantScope, get_scope
from samverka.tenants.models import Tenant


def platform_scope(tenant_ids: tuple[int, ...] = ()) -> TenantScope:
    """A scope that also reads platform-level entries (platform administrators, operator)."""
    return TenantScope((*tenant_ids, PLATFORM_SCOPE_ID))


def all_chains_scope(session: Session) -> TenantScope:
    """The operator's explicit scope over every chain: every tenant, every tenant that has a
    chain head (also tenants deleted since), plus the platform. Stated, never a silent RLS
    bypass."""
    chains = session.scalars(select(AuditChainHead.chain)).all()
    tenants = {t for t in map(tenant_of_chain, chains) if t is not None}
    tenants |= set(session.scalars(select(Tenant.id), execution_options=SCOPE_FREE))
    tenants = sorted(tenants)
    return platform_scope(tuple(tenants))


@lru_cache(maxsize=1024)
def _criteria(tenant_ids: tuple[int, ...]):
    return with_loader_criteria(
        AuditEntry,
        lambda cls: func.coalesce(cls.tenant_id, PLATFORM_SCOPE_ID).in_(tenant_ids),
        include_aliases=True,
    )


@event.listens_for(Session, "do_orm_execute")
def _audit_criteria(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    if AuditEntry.__mapper__ not in state.all_mappers:
        return
    tenant_ids = get_scope(state.session).tenant_ids
    state.statement = state.statement.options(_criteria(tenant_ids))
