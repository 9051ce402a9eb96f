"""An account's binding to one organisation's provider: ``users.idp_tenant_id`` plus
``users.idp_subject`` (the ID token's ``sub``), unique together.

A provider is trusted for the people it manages, not for e-mail addresses: it signs in the
accounts bound to it, found by tenant and ``sub``, and never an account found by e-mail. The
rules for making a binding live in :mod:`samverka.auth.sso.provisioning`.

Bindings go with their provider: removing the provider, changing its issuer (a ``sub`` is
unique only per issuer: another issuer's could name someone else) or deleting the tenant
clears them. Accounts the provider created then hold no password and no binding; the next
login from the tenant's provider binds them again (see ``provisioning``).
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from samverka.audit import record_event
from samverka.auth.models import User
from samverka.db import SCOPE_FREE
from samverka.tenants.models import Tenant

MAX_SUBJECT = 255  # OpenID Connect Core 1.0, 2: "MUST NOT exceed 255 ASCII characters"


def bound_user(session: Session, tenant: Tenant, subject: str) -> User | None:
    return session.scalar(
        select(User)
        .where(User.idp_tenant_id == tenant.id, User.idp_subject == subject)
        .execution_options(**SCOPE_FREE)
    )


def bind(session: Session, user: User, tenant: Tenant, subject: str, *, how: str) -> None:
    """Bind ``user`` to the tenant's provider as ``subject``; ``how``: created, adopted or
    linked (audited in the tenant's chain, the account as the target)."""
    user.idp_tenant_id = tenant.id
    user.idp_subject = subject
    session.flush()
    record_event(
        session,
        "sso.account_bind",
        tenant_id=tenant.id,
        target_type="user",
        target_id=user.id,
        details={"how": how},
    )


def bound_count(session: Session, tenant: Tenant) -> int:
    return session.scalar(
        select(func.count(User.id))
        .where(User.idp_tenant_id == tenant.id)
        .execution_options(**SCOPE_FREE)
    )


def clear_bindings(session: Session, tenant: Tenant, *, reason: str) -> int:
    """Unbind every account bound to the tenant's provider; how many (audited when any)."""
    count = bound_count(session, tenant)
    if not count:
        return 0
    session.execute(
        update(User)
        .where(User.idp_tenant_id == tenant.id)
        .values(idp_tenant_id=None, idp_subject=None)
        .execution_options(**SCOPE_FREE, synchronize_session="fetch")
    )
    record_event(
        session,
        "sso.bindings_clear",
        tenant_id=tenant.id,
        details={"reason": reason, "accounts": count},
    )
    return count
