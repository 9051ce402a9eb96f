"""Systematic sample reviews (HSLF-FS 2016:40 asks for them; social services commonly review
monthly): every ``SAMVERKA_AUDIT_REVIEW_DAYS`` each tenant gets a random sample of the
period's entries, which an administrator looks through and marks as reviewed.

The sample is drawn with :class:`secrets.SystemRandom`, so nobody can predict which entries
will be looked at. Drawing and completing a review are themselves audited.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka import clock
from samverka.audit.context import SYSTEM, acting_as
from samverka.audit.events import record_event
from samverka.audit.models import AuditEntry, AuditReview
from samverka.db import SCOPE_FREE, TenantScope, scoped
from samverka.errors import ValidationError
from samverka.tenants.models import Tenant

SAMPLE_SIZE = 20
DEFAULT_PERIOD_DAYS = 30


def due_sample_reviews(
    session: Session, now: datetime, period_days: int | None = None
) -> list[AuditReview]:
    """Draw a new sample for every tenant whose last one is ``period_days`` old (or that has
    none and has entries); in ``session``'s transaction (the caller commits). For the
    scheduler: ``due_sample_reviews(session, now)``."""
    days = period_days or _configured_days()
    tenant_ids = session.scalars(
        select(Tenant.id).order_by(Tenant.id), execution_options=SCOPE_FREE
    )
    drawn = []
    with acting_as(SYSTEM, label="sample_review"):
        for tenant_id in list(tenant_ids):
            with scoped(session, TenantScope.for_tenant(tenant_id)):
                review = _draw_if_due(session, tenant_id, now, timedelta(days=days))
            if review is not None:
                drawn.append(review)
    return drawn


def _draw_if_due(
    session: Session, tenant_id: int, now: datetime, period: timedelta
) -> AuditReview | None:
    last = session.scalar(
        select(AuditReview.period_end).order_by(AuditReview.period_end.desc()).limit(1)
    )
    start = clock.aware(last) if last is not None else now - period
    if now - start < period:
        return None
    ids = list(
        session.scalars(
            select(AuditEntry.id).where(
                AuditEntry.tenant_id == tenant_id,
                AuditEntry.occurred_at >= start,
                AuditEntry.occurred_at < now,
                AuditEntry.action.not_like("audit.%"),
            )
        )
    )
    if not ids:
        return None
    sample = sorted(secrets.SystemRandom().sample(ids, min(SAMPLE_SIZE, len(ids))))
    review = AuditReview(tenant_id=tenant_id, period_start=start, period_end=now, entry_ids=sample)
    session.add(review)
    session.flush()
    record_event(
        session,
        "audit.review_due",
        tenant_id=tenant_id,
        target_type="audit_review",
        target_id=review.id,
        details={"sampled": len(sample), "of": len(ids)},
    )
    return review


def open_reviews(session: Session, tenant: Tenant) -> list[AuditReview]:
    return list(
        session.scalars(
            select(AuditReview)
            .where(AuditReview.tenant_id == tenant.id, AuditReview.reviewed_at.is_(None))
            .order_by(AuditReview.period_end)
        )
    )


def sampled_entries(session: Session, review: AuditReview) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.tenant_id == review.tenant_id, AuditEntry.id.in_(review.entry_ids))
            .order_by(AuditEntry.id)
        )
    )


def mark_reviewed(session: Session, tenant: Tenant, review_id: int, user_id: int) -> AuditReview:
    review = session.get(AuditReview, review_id)
    if review is None or review.tenant_id != tenant.id:
        raise ValidationError(_l("No such sample review."))
    if review.reviewed_at is not None:
        raise ValidationError(_l("The sample has already been reviewed."))
    review.reviewed_at = clock.now()
    review.reviewed_by_user_id = user_id
    session.flush()
    record_event(
        session,
        "audit.review_complete",
        tenant_id=tenant.id,
        target_type="audit_review",
        target_id=review.id,
        details={"sampled": len(review.entry_ids)},
    )
    return review


def _configured_days() -> int:
    from flask import current_app, has_app_context

    if not has_app_context():
        return DEFAULT_PERIOD_DAYS
    return current_app.extensions["samverka"].settings.audit_review_days
