"""Which records a scope may read: the one rule behind the ORM criteria and PostgreSQL RLS.

A record is visible in a scope when the scope holds its owner tenant, or when an active
share (not revoked, ``valid_from <= now < valid_until`` or no end) names a tenant of the
scope, or names a consortium one of whose members is in the scope (``consortium_tenants``,
read at query time: a member that joins later sees earlier consortium shares).

:func:`shared_record_ids` is built from Core tables, not the ORM entities, so that the
owner-only criteria on :class:`RecordShare` do not apply inside it (a receiver must find
the shares naming it). :data:`SHARED_IDS_SQL` is the same rule for the policies.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, or_, select

from samverka.db import ShareableTenantOwned, db_now
from samverka.records.models import RecordShare
from samverka.tenants.models import consortium_tenants

shares = RecordShare.__table__


def active_share(now=None):
    """The condition of an active share (``now``: the database's clock by default)."""
    moment = db_now() if now is None else now
    return and_(
        shares.c.revoked_at.is_(None),
        shares.c.valid_from <= moment,
        or_(shares.c.valid_until.is_(None), shares.c.valid_until > moment),
    )


def names_scope(tenant_ids):
    """The share names a tenant of the scope, or a consortium with a member in it."""
    return or_(
        shares.c.receiver_tenant_id.in_(tenant_ids),
        shares.c.consortium_id.in_(
            select(consortium_tenants.c.consortium_id).where(
                consortium_tenants.c.tenant_id.in_(tenant_ids)
            )
        ),
    )


def shared_record_ids(tenant_ids) -> Select:
    return select(shares.c.record_id).where(active_share(), names_scope(tenant_ids))


# The ORM's criteria for shareable rows (samverka.db) apply this rule from now on.
ShareableTenantOwned.shared_ids_rule = staticmethod(shared_record_ids)


#: For the PostgreSQL policies (the app role sees the shares naming its scope through the
#: record_shares policy, so this needs no SECURITY DEFINER: no policy refers back to records).
SHARED_IDS_FUNCTION = """
CREATE OR REPLACE FUNCTION samverka_shared_record_ids() RETURNS SETOF integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT s.record_id FROM record_shares s
  WHERE s.revoked_at IS NULL AND s.valid_from <= now()
    AND (s.valid_until IS NULL OR s.valid_until > now())
    AND (s.receiver_tenant_id = ANY (samverka_scope_tenants())
         OR s.consortium_id IN (SELECT ct.consortium_id FROM consortium_tenants ct
                                WHERE ct.tenant_id = ANY (samverka_scope_tenants())))
$$;
"""
