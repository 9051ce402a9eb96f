"""The compliance overview (Lag 2023:196): per municipality, the statutory duties and the
evidence the platform holds for each.

The duties are fixed here (:data:`DUTIES`); the evidence comes from the hook
``compliance_evidence(session, tenant)``: each implementation answers for the duties it
knows (the core for the coordination function and the cooperation agreement, the reporting
rounds, action plans and councils for theirs). A duty nobody answers shows "no evidence" —
the page never pretends. Cycle length and decision body are settings per municipality
because the law's cycle is uncertain in the sources (DOMAIN.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from samverka import clock
from samverka.audit import record_event
from samverka.clock import utcnow
from samverka.db import Base, TenantOwned, TenantScope, scoped
from samverka.errors import ValidationError
from samverka.exports.tabular import Column, Kind, Table
from samverka.plugins.services import enabled_plugins
from samverka.records.models import Record
from samverka.records.services import user_id_of
from samverka.runtime import runtime
from samverka.tenants.models import Consortium, Tenant
from samverka.workflows.agreements import services as agreements
from samverka.workflows.calendar import url_or_none

DEFAULT_CYCLE_MONTHS = 12
NAME_MAX = 200

#: The statutory duties in the order the page lists them.
DUTIES: tuple[tuple[str, Any], ...] = (
    ("situation_picture", _l("A current situation picture")),
    ("action_plan", _l("A decided action plan")),
    ("coordination_function", _l("A named coordination function")),
    ("council_meetings", _l("Council meetings held")),
    ("follow_up", _l("A follow-up done")),
    ("cooperation_agreement", _l("A valid cooperation agreement with the police")),
)


class ComplianceSettings(TenantOwned, Base):
    """How a municipality runs the cycle: its length, the body that decides, who coordinates."""

    __tablename__ = "compliance_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_compliance_settings_tenant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_months: Mapped[int] = mapped_column(Integer, default=DEFAULT_CYCLE_MONTHS)
    decision_body: Mapped[str | None] = mapped_column(String(NAME_MAX))
    coordinator_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    coordination_function: Mapped[str | None] = mapped_column(String(NAME_MAX))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def settings_of(session: Session, tenant: Tenant) -> ComplianceSettings | None:
    return session.scalars(
        select(ComplianceSettings).where(ComplianceSettings.tenant_id == tenant.id)
    ).one_or_none()


def save_settings(
    session: Session,
    tenant: Tenant,
    *,
    cycle_months: Any,
    decision_body: Any = None,
    coordinator_name: Any = None,
    coordination_function: Any = None,
) -> ComplianceSettings:
    """Create or change the tenant's settings (the caller checks the permission and commits)."""
    try:
        months = int(cycle_months)
    except (TypeError, ValueError):
        raise ValidationError(_l("Enter the cycle length in months."), "cycle_months") from None
    if not 1 <= months <= 60:
        raise ValidationError(_l("The cycle must be between 1 and 60 months long."), "cycle_months")
    values = {
        "decision_body": _name(decision_body, "decision_body"),
        "coordinator_name": _name(coordinator_name, "coordinator_name"),
        "coordination_function": _name(coordination_function, "coordination_function"),
    }
    row = settings_of(session, tenant)
    if row is None:
        row = ComplianceSettings(tenant_id=tenant.id)
        session.add(row)
    row.cycle_months = months
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = clock.now()
    session.flush()
    record_event(
        session,
        "compliance.settings",
        tenant_id=tenant.id,
        target_type="tenant",
        target_id=tenant.id,
        details={"cycle_months": months},
    )
    return row


def _name(value: Any, field: str) -> str | None:
    text = " ".join(str(value or "").split())
    if len(text) > NAME_MAX:
        raise ValidationError(_l("At most %(max)s characters.", max=NAME_MAX), field)
    return text or None


# -- the core's own evidence (hookimpl in compliance/hooks.py) ----------------------------------


def core_evidence(session: Session, tenant: Tenant) -> list[dict]:
    """The coordination function (named in the settings) and a current agreement with the
    police (a party that is a police tenant or named as the police): the tenant's own, or
    one shared with it that names it as a party (a consortium's joint agreement)."""
    settings = settings_of(session, tenant)
    named = settings and (settings.coordinator_name or settings.coordination_function)
    evidence = [
        {
            "duty": "coordination_function",
            "met": bool(named),
            "as_of": settings.updated_at.date() if named else None,
            "summary": " – ".join(
                p for p in (settings.coordination_function, settings.coordinator_name) if p
            )
            if named
            else str(_l("No coordinator is named in the settings.")),
            "url": url_or_none("compliance_pages.settings", tenant_slug=tenant.slug),
        }
    ]
    current = [
        record
        for record in session.scalars(
            select(Record)
            .where(
                Record.type_name == agreements.AGREEMENT_TYPE,
                Record.deleted_at.is_(None),
            )
            .order_by(Record.id.desc())
        )
        if agreements.is_current(record.data or {})
        and agreements.has_police_party(session, record)
        and (record.tenant_id == tenant.id or agreements.is_party(session, record, tenant))
    ]
    if current:
        record = current[0]
        evidence.append(
            {
                "duty": "cooperation_agreement",
                "met": True,
                "as_of": agreements.as_date(record.data.get("valid_from")),
                "summary": record.title,
                "url": url_or_none(
                    "agreement_pages.show", tenant_slug=tenant.slug, agreement_id=record.id
                ),
            }
        )
    else:
        evidence.append(
            {
                "duty": "cooperation_agreement",
                "met": False,
                "as_of": None,
                "summary": str(_l("No valid agreement with the police.")),
                "url": url_or_none("agreement_pages.index", tenant_slug=tenant.slug),
            }
        )
    return evidence


# -- the report ------------------------------------------------------------------------------


@dataclass
class DutyRow:
    duty: str
    label: str
    met: bool
    answered: bool
    as_of: date | None
    summary: str
    url: str | None


#: One organisation's report: (tenant, its settings or None, its duty rows).
Report = tuple[Tenant, ComplianceSettings | None, list[DutyRow]]


def tenant_report(session: Session, tenant: Tenant) -> Report:
    """The tenant's settings and duty rows, with the hooks of the plugins it has enabled,
    read in the session's current scope."""
    host = runtime().host
    hooks = host.hooks_for(enabled_plugins(session, host, tenant))
    return tenant, settings_of(session, tenant), compliance_report(session, tenant, hooks)


def consortium_reports(session: Session, consortium: Consortium, user: Any) -> list[Report]:
    """Every member's report side by side, each read in that member's own scope (for
    ``user``): the consortium's administrators hold a role in each member, and a scope of one
    member at a time keeps one member's evidence from leaking into another's rows."""
    reports = []
    for tenant in consortium.tenants:
        with scoped(session, TenantScope.for_tenant(tenant.id, user_id_of(user))):
            reports.append(tenant_report(session, tenant))
    return reports


def compliance_report(session: Session, tenant: Tenant, hooks: Any) -> list[DutyRow]:
    """One row per expected duty (then any extra duty a plugin reports), merged from every
    answer: met when any answer says so, dated by the latest met answer."""
    answers: dict[str, list[dict]] = {}
    for found in hooks.compliance_evidence(session=session, tenant=tenant) or []:
        for item in found or []:
            if isinstance(item, dict) and item.get("duty"):
                answers.setdefault(str(item["duty"]), []).append(item)
    labels = dict(DUTIES)
    order = [duty for duty, _label in DUTIES] + sorted(set(answers) - set(labels))
    return [_row(duty, str(labels.get(duty, duty)), answers.get(duty, [])) for duty in order]


def _row(duty: str, label: str, items: list[dict]) -> DutyRow:
    if not items:
        return DutyRow(duty, label, False, False, None, str(_l("No evidence")), None)
    met = [item for item in items if item.get("met")]
    chosen = max(met, key=lambda i: _day(i.get("as_of")) or date.min) if met else items[0]
    return DutyRow(
        duty,
        label,
        bool(met),
        True,
        _day(chosen.get("as_of")),
        str(chosen.get("summary") or ""),
        chosen.get("url"),
    )


def _day(value: Any) -> date | None:
    """An answer's date (a datetime counts by its day; anything else as no date)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def report_table(
    tenant_rows: list[tuple[Tenant, ComplianceSettings | None, list[DutyRow]]],
) -> Table:
    """The evidence for Brå's yearly survey: one row per municipality and duty."""
    columns = [
        Column("organisation", str(_l("Organisation"))),
        Column("municipality_code", str(_l("Municipality code"))),
        Column("duty", str(_l("Duty"))),
        Column("met", str(_l("Met")), Kind.BOOLEAN),
        Column("as_of", str(_l("As of")), Kind.DATE),
        Column("summary", str(_l("Evidence"))),
        Column("cycle_months", str(_l("Cycle (months)")), Kind.INTEGER),
        Column("decision_body", str(_l("Decision body"))),
    ]
    rows = [
        {
            "organisation": tenant.name,
            "municipality_code": tenant.municipality_code or "",
            "duty": row.label,
            "met": row.met,
            "as_of": row.as_of,
            "summary": row.summary,
            "cycle_months": settings.cycle_months if settings else DEFAULT_CYCLE_MONTHS,
            "decision_body": (settings.decision_body or "") if settings else "",
        }
        for tenant, settings, duty_rows in tenant_rows
        for row in duty_rows
    ]
    return Table(
        str(_l("Compliance with Lag 2023:196")),
        columns,
        rows,
        total=len(rows),
        true_label=str(_l("Yes")),
        false_label=str(_l("No")),
    )
