"""Deleting a tenant and everything it owns, after a grace period.

A platform administrator (or the operator) schedules the deletion: the tenant is marked with
``deletion_due_at`` (now + ``SAMVERKA_TENANT_DELETION_GRACE_DAYS``), its administrators are
mailed, and every page of the tenant shows a banner with the date, so its people can export
their data (``core.tenant_archive``) or ask for a cancellation. Until the date it can be
cancelled. The periodic job ``core.tenant_deletions`` (hourly) deletes the tenants that are
due, each in a transaction of its own:

1. with an explicit scope of the tenant plus the platform (never an RLS bypass), every
   installed plugin's ``before_tenant_delete(session, tenant)`` releases what the rows'
   removal would leave behind or hide: shares to and from the tenant are revoked (with audit
   entries in the owners' chains), stored files are removed (after the commit:
   :func:`after_commit`);
2. the ``tenants`` row is deleted: every tenant-owned table's ``tenant_id`` references it
   with ``ON DELETE CASCADE``, so the database removes every owned row (a test walks every
   table with a ``tenant_id`` to prove it);
3. ``tenant.delete`` is recorded in the platform's audit chain.

The tenant's own audit chain is kept: ``audit_entries.tenant_id`` has no foreign key, and the
entries stay verifiable (``samverka audit verify``) until retention purges them like any
other chain's (five years at least).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.audit import PLATFORM_SCOPE_ID, acting_as, record_event
from samverka.audit.context import SYSTEM
from samverka.auth.models import User
from samverka.db import SCOPE_FREE, TenantScope, scoped
from samverka.errors import ValidationError
from samverka.jobs.outbox import enqueue
from samverka.runtime import runtime
from samverka.tenants.models import Membership, Tenant

log = logging.getLogger(__name__)
AFTER_COMMIT_KEY = "samverka.after_commit"
PERIODIC_JOB = "core.tenant_deletions"
ADMIN_ROLE = "tenant_admin"


def deletion_scope(tenant: Tenant) -> TenantScope:
    """The tenant and the platform, named on purpose: what deleting a tenant may touch."""
    return TenantScope((tenant.id, PLATFORM_SCOPE_ID))


def is_pending(tenant: Tenant) -> bool:
    return tenant.deletion_due_at is not None


def schedule_deletion(
    session: Session,
    tenant: Tenant,
    *,
    confirm: str | None,
    grace: timedelta,
    requested_by: int | None = None,
    now: datetime | None = None,
) -> Tenant:
    """Mark ``tenant`` for deletion after ``grace``; ``confirm`` must be its short name."""
    if (confirm or "").strip() != tenant.slug:
        raise ValidationError(
            _l("Type the organisation's short name, %(slug)s, to confirm.", slug=tenant.slug),
            "confirm",
        )
    if is_pending(tenant):
        raise ValidationError(
            _l(
                "The deletion of %(name)s is already scheduled for %(date)s.",
                name=tenant.name,
                date=due_date(tenant),
            ),
            "confirm",
        )
    if grace < timedelta(0):
        raise ValidationError(_l("The grace period cannot be negative."), "grace_days")
    now = now or clock.now()
    tenant.deletion_requested_at = now
    tenant.deletion_due_at = now + grace
    tenant.deletion_requested_by = requested_by
    session.flush()
    details = {"due": due_date(tenant), "grace_days": grace.days}
    _record_both(session, "tenant.deletion_schedule", tenant, details)
    _mail_admins(session, tenant, scheduled=True)
    return tenant


def cancel_deletion(session: Session, tenant: Tenant) -> Tenant:
    """Take back a scheduled deletion (during the grace period)."""
    if not is_pending(tenant):
        raise ValidationError(
            _l("No deletion of %(name)s is scheduled.", name=tenant.name), "tenant"
        )
    details = {"due": due_date(tenant)}
    tenant.deletion_requested_at = tenant.deletion_due_at = tenant.deletion_requested_by = None
    session.flush()
    _record_both(session, "tenant.deletion_cancel", tenant, details)
    _mail_admins(session, tenant, scheduled=False)
    return tenant


@dataclass(frozen=True)
class DeletedTenant:
    id: int
    slug: str
    name: str


def delete_tenant(session: Session, tenant: Tenant) -> DeletedTenant:
    """Delete ``tenant`` and all it owns in the session's transaction (the caller commits)."""

    gone = DeletedTenant(tenant.id, tenant.slug, tenant.name)
    with scoped(session, deletion_scope(tenant)):
        runtime().host.hook.before_tenant_delete(session=session, tenant=tenant)
        session.flush()
        session.execute(
            delete(Tenant).where(Tenant.id == gone.id),
            execution_options={"synchronize_session": False},
        )
        if tenant in session:
            session.expunge(tenant)
        _record_both(session, "tenant.delete", tenant, {"slug": gone.slug})
    return gone


def delete_due_tenants(session: Session, now: datetime) -> list[str]:
    """The periodic job: delete every tenant whose grace period is over, one transaction
    each (one failing tenant does not hold back the others); returns their slugs."""
    due = session.scalars(
        select(Tenant)
        .where(Tenant.deletion_due_at.is_not(None), Tenant.deletion_due_at <= now)
        .order_by(Tenant.id)
        .execution_options(**SCOPE_FREE)
    ).all()
    deleted = []
    for tenant in due:
        slug = tenant.slug
        try:
            with acting_as(SYSTEM, label=PERIODIC_JOB):
                delete_tenant(session, tenant)
                session.commit()
        except Exception as error:  # logged; tried again at the next run
            session.rollback()
            log.error("deleting tenant %s failed: %s", slug, type(error).__name__)
            continue
        log.info("tenant %s deleted after its grace period", slug)
        deleted.append(slug)
    return deleted


def due_tenants_page(session: Session) -> list[Tenant]:
    """Tenants with a deletion scheduled, the soonest first (the platform's overview)."""
    return list(
        session.scalars(
            select(Tenant)
            .where(Tenant.deletion_due_at.is_not(None))
            .order_by(Tenant.deletion_due_at)
            .execution_options(**SCOPE_FREE)
        )
    )


def due_date(tenant: Tenant) -> str:
    """The day the deletion happens, ISO (``2027-01-17``), as banners and mail show it."""
    due = tenant.deletion_due_at
    return due.date().isoformat() if due is not None else ""


def after_commit(session: Session, func: Callable[[], object]) -> None:
    """Run ``func`` once the session's transaction commits; nothing if it rolls back.

    For effects outside the database (deleting stored files) that must not happen when
    the deletion itself fails."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(func)
    if not event.contains(session, "after_commit", _run_after_commit):
        event.listen(session, "after_commit", _run_after_commit)
        event.listen(session, "after_rollback", _forget_after_commit)


def _run_after_commit(session: Session) -> None:
    for func in session.info.pop(AFTER_COMMIT_KEY, []):
        try:
            func()
        except Exception as error:  # the deletion stands; a leftover file is logged
            log.error("after-commit cleanup failed: %s", type(error).__name__)


def _forget_after_commit(session: Session) -> None:
    session.info.pop(AFTER_COMMIT_KEY, None)


def _record_both(session: Session, action: str, tenant: Tenant, details: dict) -> None:
    """In the platform's chain (the platform acted) and the tenant's (its administrators
    see it in their own log)."""
    for chain_tenant in (None, tenant.id):
        record_event(
            session,
            action,
            tenant_id=chain_tenant,
            target_type="tenant",
            target_id=tenant.id,
            details=details,
        )


def _mail_admins(session: Session, tenant: Tenant, *, scheduled: bool) -> int:
    """Tell the tenant's administrators, each in their language, through the outbox."""

    default = runtime().settings.default_locale
    with scoped(session, deletion_scope(tenant)):
        admins = session.execute(
            select(User.email, User.locale)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.tenant_id == tenant.id,
                Membership.role == ADMIN_ROLE,
                User.is_active.is_(True),
            )
            .order_by(User.id)
        ).all()
        for email, locale in admins:
            with force_locale(locale or default):
                subject, body = _message(tenant, scheduled)
            enqueue(
                session, "core.send_mail", tenant_id=tenant.id, to=email, subject=subject, body=body
            )
    return len(admins)


def _message(tenant: Tenant, scheduled: bool) -> tuple[str, str]:
    if scheduled:
        subject = _("%(name)s will be deleted on %(date)s", name=tenant.name, date=due_date(tenant))
        body = _(
            "A platform administrator has scheduled the deletion of %(name)s in Samverka. "
            "On %(date)s the organisation and everything it owns (records, attachments, "
            "shares, settings and memberships) will be deleted for good.\n\n"
            "Until then an administrator can export all of the organisation's data under "
            "Export all data. If the deletion is a mistake, contact the platform's "
            "administrators before that date.",
            name=tenant.name,
            date=due_date(tenant),
        )
    else:
        subject = _("The deletion of %(name)s was cancelled", name=tenant.name)
        body = _(
            "The scheduled deletion of %(name)s in Samverka was cancelled. "
            "Nothing has been deleted.",
            name=tenant.name,
        )
    return subject, body
