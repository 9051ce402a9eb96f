"""Action plans' and councils' child rows in the tenant archive (the records themselves,
plans and bodies, are in ``records/records.jsonl``): causes, measures, follow-ups, members,
meetings, meeting decisions and assignments the tenant owns, one JSONL file each under
``cycle/``. Deleting the tenant removes them by ``ON DELETE CASCADE``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverka.db import TenantScope, scoped
from samverka.tenants.models import Tenant
from samverka.workflows.action_plans import services as plans
from samverka.workflows.councils import services as councils

TABLES = (
    plans.PlanCause,
    plans.PlanMeasure,
    plans.PlanFollowUp,
    councils.CouncilMember,
    councils.CouncilMeeting,
    councils.CouncilDecision,
    councils.CouncilAssignment,
)


def _row(obj: Any) -> dict[str, Any]:
    return {column.key: getattr(obj, column.key) for column in obj.__table__.columns}


def export_cycle_rows(session: Session, tenant: Tenant, archive: Any) -> dict[str, int]:
    """Write each table's rows of ``tenant``; returns counts per table."""
    counts = {}
    with scoped(session, TenantScope.for_tenant(tenant.id)):
        for model in TABLES:
            rows = session.scalars(
                select(model).where(model.tenant_id == tenant.id).order_by(model.id)
            ).all()
            archive.add_jsonl(f"cycle/{model.__tablename__}.jsonl", (_row(r) for r in rows))
            counts[model.__tablename__] = len(rows)
    return counts
