"""``/api/v1/tenants/{tenant}/compliance`` (the statutory duties and their evidence) and
``…/overview`` (the coordinator's start page): the same hooks as the web pages."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.runtime import db_session, runtime
from samverka.workflows.compliance import services as compliance
from samverka.workflows.overview import services as overview

bp = ApiBlueprint(
    "compliance",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="The compliance overview (Lag 2023:196) and the coordinator's overview.",
)


class DutySchema(ma.Schema):
    duty = fields.String(required=True)
    label = fields.String(required=True)
    met = fields.Boolean(required=True)
    answered = fields.Boolean(
        required=True, metadata={"description": "False: no module holds evidence for it."}
    )
    as_of = fields.Date(required=True, allow_none=True)
    summary = fields.String(required=True)
    url = fields.String(required=True, allow_none=True)


class ComplianceSchema(ma.Schema):
    tenant = fields.String(required=True)
    cycle_months = fields.Integer(required=True)
    decision_body = fields.String(required=True, allow_none=True)
    duties = fields.List(fields.Nested(DutySchema), required=True)


class OverviewItemSchema(ma.Schema):
    kind = fields.String(required=True)
    title = fields.String(required=True)
    due = fields.Date(required=True, allow_none=True)
    status = fields.String(required=True, metadata={"description": "ok|late|red|due|info"})
    url = fields.String(required=True, allow_none=True)
    organisation = fields.String(
        required=True,
        metadata={"description": "The organisation whose council, plan or round it is."},
    )


class OverviewGroupSchema(ma.Schema):
    kind = fields.String(required=True)
    label = fields.String(required=True)
    items = fields.List(fields.Nested(OverviewItemSchema), required=True)


class OverviewSchema(ma.Schema):
    groups = fields.List(fields.Nested(OverviewGroupSchema), required=True)


def _hooks():
    return runtime().host.hooks_for(caller().enabled_plugins)


@bp.route("/compliance", methods=["GET"])
@bp.response(200, ComplianceSchema)
@bp.problems(403, 404)
def get_compliance():
    """Every statutory duty with the evidence the platform holds (or none)."""
    require("tenant:compliance:view")
    session, tenant = db_session(), caller().tenant
    settings = compliance.settings_of(session, tenant)
    rows = compliance.compliance_report(session, tenant, _hooks())
    return {
        "tenant": tenant.slug,
        "cycle_months": settings.cycle_months if settings else compliance.DEFAULT_CYCLE_MONTHS,
        "decision_body": settings.decision_body if settings else None,
        "duties": [row.__dict__ for row in rows],
    }


@bp.route("/overview", methods=["GET"])
@bp.response(200, OverviewSchema)
@bp.problems(403, 404)
def get_overview():
    """What needs the coordinator's attention, grouped by kind, sorted by due date."""
    require("tenant:dashboard:view")
    who = caller()
    groups = overview.overview_groups(db_session(), who.tenant, who.user, _hooks())
    return {
        "groups": [
            {
                "kind": g.kind,
                "label": g.label,
                "items": [
                    {
                        k: item.get(k)
                        for k in ("kind", "title", "due", "status", "url", "organisation")
                    }
                    for item in g.items
                ],
            }
            for g in groups
        ]
    }
