"""``/api/v1/tenants/{tenant}/action-plans``: action plans in Brå's columns.

The same services as the pages (:mod:`samverka.workflows.action_plans.services`): plans are
``core.action_plan`` records (create and edit their own fields through ``/records``); here
their causes, measures and follow-ups. A cause without a measure is flagged
(``without_measures``); a measure without a cause is a 422. Only the owner writes.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.problems import ApiProblem
from samverka.api.schemas import StrictSchema
from samverka.records import services
from samverka.records.disclosure import disclose
from samverka.records.models import Record
from samverka.runtime import db_session
from samverka.tenants.models import Tenant
from samverka.workflows.action_plans import services as plans
from samverka.workflows.cycle_types import ACTION_PLAN_TYPE
from samverka.workflows.decisions import latest_decision

MAX_ID = 2**31 - 1
ID = ma.validate.Range(min=1, max=MAX_ID)

bp = ApiBlueprint(
    "action_plans",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="Action plans: causes linked to a situation picture's problems, measures, "
    "follow-ups.",
)


# -- schemas ---------------------------------------------------------------------------------


class PlanFollowUpSchema(ma.Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "green | yellow | red"})
    comment = fields.String(required=True, allow_none=True)
    followed_up_on = fields.Date(required=True)


class PlanMeasureSchema(ma.Schema):
    id = fields.Integer(required=True)
    cause_id = fields.Integer(required=True)
    title = fields.String(required=True)
    operational_goal = fields.String(required=True, allow_none=True)
    start_on = fields.Date(required=True, allow_none=True)
    due_on = fields.Date(required=True, allow_none=True)
    period = fields.String(required=True, allow_none=True)
    responsible_tenant_id = fields.Integer(required=True, allow_none=True)
    responsible_name = fields.String(required=True, allow_none=True)
    effort = fields.String(required=True, metadata={"description": "one_off | ordinary"})
    resources = fields.String(required=True, allow_none=True)
    hours = fields.Integer(required=True, allow_none=True)
    status = fields.String(
        required=True, allow_none=True, metadata={"description": "The latest follow-up's."}
    )
    follow_ups = fields.List(fields.Nested(PlanFollowUpSchema), required=True)
    indicators = fields.List(fields.Dict(), required=True)


class PlanCauseSchema(ma.Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    description = fields.String(required=True)
    picture_id = fields.Integer(required=True, allow_none=True)
    problem_number = fields.Integer(required=True, allow_none=True)
    problem_text = fields.String(required=True, allow_none=True)
    without_measures = fields.Boolean(
        required=True, metadata={"description": "Flagged: no measure works against it."}
    )
    measures = fields.List(fields.Nested(PlanMeasureSchema), required=True)


class PlanDecisionSchema(ma.Schema):
    body = fields.String(required=True)
    decided_on = fields.Date(required=True)
    minute_paragraph = fields.String(required=True, allow_none=True)


class PlanSummarySchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    owner = fields.String(required=True, metadata={"description": "The owner tenant's slug."})
    valid_from = fields.String(required=True, allow_none=True)
    valid_to = fields.String(required=True, allow_none=True)
    causes_without_measures = fields.Integer(required=True)


class PlanListSchema(ma.Schema):
    items = fields.List(fields.Nested(PlanSummarySchema), required=True)


class PlanSchema(PlanSummarySchema):
    summary = fields.String(required=True, allow_none=True)
    decision = fields.Nested(PlanDecisionSchema, required=True, allow_none=True)
    causes = fields.List(fields.Nested(PlanCauseSchema), required=True)


class CauseCreateSchema(StrictSchema):
    description = fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    picture_id = fields.Integer(load_default=None, validate=ID)
    problem_number = fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=10000))


class MeasureCreateSchema(StrictSchema):
    cause_id = fields.Integer(required=True, validate=ID)
    title = fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    operational_goal = fields.String(load_default=None, validate=ma.validate.Length(max=2000))
    start_on = fields.Date(load_default=None)
    due_on = fields.Date(load_default=None)
    period = fields.String(load_default=None, validate=ma.validate.Length(max=200))
    responsible_tenant = fields.String(
        load_default=None,
        validate=ma.validate.Length(max=63),
        metadata={"description": "The responsible organisation's slug."},
    )
    responsible_name = fields.String(load_default=None, validate=ma.validate.Length(max=200))
    effort = fields.String(load_default="ordinary", validate=ma.validate.OneOf(plans.EFFORT_KINDS))
    resources = fields.String(load_default=None, validate=ma.validate.Length(max=2000))
    hours = fields.Integer(load_default=None, validate=ma.validate.Range(min=0, max=1_000_000))


class MeasureFollowUpCreateSchema(StrictSchema):
    status = fields.String(required=True, validate=ma.validate.OneOf(plans.STATUSES))
    comment = fields.String(load_default=None, validate=ma.validate.Length(max=2000))
    followed_up_on = fields.Date(load_default=None)


# -- helpers ---------------------------------------------------------------------------------


def _plan(plan_id: int) -> Record:
    who = caller()
    if plan_id > MAX_ID:
        raise ApiProblem("not-found", f"No action plan {plan_id}.")
    record = services.get_record(
        db_session(), plan_id, user=who.principal, viewer_tenant=who.tenant
    )
    if record.type_name != ACTION_PLAN_TYPE:
        raise ApiProblem("not-found", f"No action plan {plan_id}.")
    return record


def _slug(tenant_id: int) -> str:
    found = db_session().get(Tenant, tenant_id)
    return found.slug if found else ""


def _fields(record: Record):
    """The plan's fields the caller may see (the disclosure door)."""
    who = caller()
    return disclose(db_session(), record, user=who.principal, viewer_tenant=who.tenant).data


def _summary(record: Record, flagged: int | None = None) -> dict[str, Any]:
    data = _fields(record)
    if flagged is None:
        flagged = plans.flagged_counts(db_session(), [record])[record.id]
    return {
        "id": record.id,
        "title": record.title,
        "owner": _slug(record.tenant_id),
        "valid_from": data.get("valid_from"),
        "valid_to": data.get("valid_to"),
        "causes_without_measures": flagged,
    }


def _detail(record: Record) -> dict[str, Any]:
    session = db_session()
    decision = latest_decision(session, record)
    return _summary(record) | {
        "summary": _fields(record).get("summary"),
        "decision": None
        if decision is None
        else {
            "body": decision.body,
            "decided_on": decision.decided_on,
            "minute_paragraph": decision.minute_paragraph,
        },
        "causes": [plans.cause_dict(v) for v in plans.plan_view(session, record, caller().tenant)],
    }


def _measure(session, record: Record, measure: plans.PlanMeasure) -> dict[str, Any]:
    view = next(
        m
        for c in plans.plan_view(session, record, caller().tenant)
        for m in c.measures
        if m.measure.id == measure.id
    )
    return plans.measure_dict(view)


# -- routes ----------------------------------------------------------------------------------


@bp.route("/action-plans", methods=["GET"])
@bp.response(200, PlanListSchema)
@bp.problems(403, 404)
def list_plans():
    """The tenant's action plans and those shared with it."""
    require("tenant:records:read")
    session, who = db_session(), caller()
    rows = plans.visible_plans(session, viewer_tenant=who.tenant, user=who.principal, via="api")
    session.commit()  # the list's audit entries
    flagged = plans.flagged_counts(session, rows)
    return {"items": [_summary(r, flagged[r.id]) for r in rows]}


@bp.route("/action-plans/<int:plan_id>", methods=["GET"])
@bp.response(200, PlanSchema)
@bp.problems(403, 404)
def get_plan(plan_id: int):
    """A plan with its causes, measures, follow-ups (newest first) and decision."""
    record = _plan(plan_id)
    db_session().commit()  # the read's audit entry
    return _detail(record)


@bp.route("/action-plans/<int:plan_id>/causes", methods=["POST"])
@bp.arguments(CauseCreateSchema)
@bp.response(201, PlanCauseSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def add_cause(body: dict, plan_id: int):
    """A cause, numbered next; ``problem_number`` must exist in the picture."""
    require("tenant:records:write")
    record = _plan(plan_id)
    session = db_session()
    cause = plans.add_cause(session, record, user=caller().principal, **body)
    session.commit()
    return plans.cause_dict(plans.CauseView(cause, [])), 201


@bp.route("/action-plans/<int:plan_id>/measures", methods=["POST"])
@bp.arguments(MeasureCreateSchema)
@bp.response(201, PlanMeasureSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def add_measure(body: dict, plan_id: int):
    """A measure against one of the plan's causes (required)."""
    require("tenant:records:write")
    record = _plan(plan_id)
    session = db_session()
    cause_id = body.pop("cause_id")
    measure = plans.add_measure(session, record, cause_id=cause_id, user=caller().principal, **body)
    session.commit()
    return _measure(session, record, measure), 201


@bp.route("/action-plans/<int:plan_id>/measures/<int:measure_id>/follow-ups", methods=["POST"])
@bp.arguments(MeasureFollowUpCreateSchema)
@bp.response(201, PlanMeasureSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def add_follow_up(body: dict, plan_id: int, measure_id: int):
    """A follow-up (green, yellow, red); answers the measure with its history."""
    require("tenant:records:write")
    record = _plan(plan_id)
    session = db_session()
    if measure_id > MAX_ID:
        raise ApiProblem("not-found", f"No measure {measure_id}.")
    measure = plans.get_measure(session, record, measure_id)
    plans.follow_up(session, record, measure, user=caller().principal, **body)
    session.commit()
    return _measure(session, record, measure), 201
