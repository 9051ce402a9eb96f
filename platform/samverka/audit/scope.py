"""Scopes for reading audit entries.

An entry is visible when its tenant is in the session's scope; an entry without a tenant
(platform-level) when :data:`PLATFORM_SCOPE_ID` is in the scope. That rule is the generic one
of :class:`samverka.db.TenantOrPlatformOwned` (ORM criteria) and of :mod:`samverka.rls`;
this module only names the scopes the audit code asks for.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.audit.chain import tenant_of_chain
from samverka.audit.models import AuditChainHead
from samverka.db import PLATFORM_SCOPE_ID, SCOPE_FREE, TenantScope, platform_scope
from samverka.tenants.models import Tenant

__all__ = ["PLATFORM_SCOPE_ID", "all_chains_scope", "platform_scope"]


def all_chains_scope(session: Session) -> TenantScope:
    """The operator's explicit scope over every chain: every tenant, every tenant that has a
    chain head (also tenants deleted since), plus the platform. Stated, never a silent RLS
    bypass."""
    chains = session.scalars(select(AuditChainHead.chain)).all()
    tenants = {t for t in map(tenant_of_chain, chains) if t is not None}
    tenants |= set(session.scalars(select(Tenant.id), execution_options=SCOPE_FREE))
    tenants = sorted(tenants)
    return platform_scope(tuple(tenants))
