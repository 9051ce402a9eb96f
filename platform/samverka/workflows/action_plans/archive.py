"""Action plans' and councils' child rows in the tenant archive (the records themselves,
plans and bodies, are in ``records/records.jsonl``): causes, measures, follow-ups, members,
meetings, meeting decisions and assignments the tenant owns, one JSONL file each under
``cycle/``. Deleting the tenant removes them by ``ON DELETE CASCADE``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from samverka.lifecycle.tables import export_tables
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


def export_cycle_rows(session: Session, tenant: Tenant, archive: Any) -> dict[str, int]:
    """Write each table's rows of ``tenant``; returns counts per table."""
    return export_tables(session, tenant, archive, "cycle", TABLES)
