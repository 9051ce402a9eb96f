"""REST API under ``/api/v1/tenants/<tenant>/indicators/``: the visible indicators, one
indicator's values per year (counts beside rates), the tenant's baseline and target with the
progress towards it, and the action-plan measures the indicator follows up."""

from __future__ import annotations

import marshmallow as ma

from samverka.toolkit import (
    ApiBlueprint,
    api_require,
    bounded_integer,
    current_tenant,
    db_session,
)

from . import services
from .periods import years_back

api_bp = ApiBlueprint("indicators_api", __name__, description="Indicators and their values.")


class IndicatorSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    numerator = ma.fields.String(required=True)
    denominator = ma.fields.String(required=True)
    factor = ma.fields.Float(required=True)
    term = ma.fields.String(required=True)
    direction = ma.fields.String(required=True)
    source = ma.fields.String(required=True)
    attribution = ma.fields.String(required=True)


class CellSchema(ma.Schema):
    period = ma.fields.String(required=True)
    numerator = ma.fields.Float(allow_none=True)
    denominator = ma.fields.Float(allow_none=True)
    rate = ma.fields.Float(allow_none=True)
    reason = ma.fields.String()


class YearsArgs(ma.Schema):
    end = ma.fields.String(load_default="2024", validate=ma.validate.Regexp(r"^[0-9]{4}$"))
    years = bounded_integer(1, 25, load_default=5)


@api_bp.route("/", methods=["GET"])
@api_bp.response(200, IndicatorSchema(many=True))
@api_bp.problems(403, 404)
def list_indicators():
    """The indicators the tenant follows (its own and its consortium's shared ones)."""
    api_require("tenant:indicators:view")
    return services.visible_indicators(db_session(), current_tenant())


@api_bp.route("/<code>/values", methods=["GET"])
@api_bp.arguments(YearsArgs, location="query")
@api_bp.response(200, CellSchema(many=True))
@api_bp.problems(400, 403, 404)
def indicator_values(args, code: str):
    """Numerator (the count), denominator and rate per year for the tenant."""
    api_require("tenant:indicators:view")
    session, tenant = db_session(), current_tenant()
    years = years_back(args["end"], args["years"])
    cells = services.compute(session, tenant, _found(code), [tenant.id], years)
    return [cells[(tenant.id, y)] for y in years]


def _found(code: str):
    from flask import abort

    session, tenant = db_session(), current_tenant()
    found = [i for i in services.visible_indicators(session, tenant) if i.code == code]
    if not found:
        abort(404)
    return found[0]


class IndicatorTargetSchema(ma.Schema):
    baseline_period = ma.fields.String(required=True)
    baseline_value = ma.fields.Float(allow_none=True, load_default=None)
    target_period = ma.fields.String(required=True)
    target_value = ma.fields.Float(required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class IndicatorProgressSchema(ma.Schema):
    target = ma.fields.Nested(IndicatorTargetSchema, allow_none=True)
    latest = ma.fields.Nested(CellSchema, allow_none=True)
    trend = ma.fields.String(metadata={"description": "up, down, unchanged or empty"})
    status = ma.fields.String(
        metadata={"description": "met, on_track, off_track, baseline, no_data or empty (no target)"}
    )
    share = ma.fields.Float(
        allow_none=True, metadata={"description": "0 at the baseline, 1 at the target"}
    )
    series = ma.fields.List(ma.fields.Nested(CellSchema), attribute="cells")


class IndicatorMeasureSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(dump_only=True)
    plan_id = ma.fields.Integer(dump_only=True)
    plan_title = ma.fields.String(dump_only=True)


def _progress(indicator):
    from . import follow_up

    session, tenant = db_session(), current_tenant()
    target = follow_up.target_of(session, indicator)
    return follow_up.progress(session, tenant, indicator, tenant.id, target)


@api_bp.route("/<code>/target", methods=["GET"])
@api_bp.response(200, IndicatorProgressSchema)
@api_bp.problems(403, 404)
def get_target(code: str):
    """The tenant's baseline and target (null without one) and the progress towards it."""
    api_require("tenant:indicators:view")
    return _progress(_found(code))


@api_bp.route("/<code>/target", methods=["PUT"])
@api_bp.arguments(IndicatorTargetSchema)
@api_bp.response(200, IndicatorProgressSchema)
@api_bp.problems(400, 403, 404, 415, 422)
def put_target(body: dict, code: str):
    """Set the baseline and target; a null ``baseline_value`` takes the computed value of
    the baseline period (422 if there is none)."""
    from . import follow_up

    api_require("tenant:indicators:manage")
    session, tenant = db_session(), current_tenant()
    indicator = _found(code)
    follow_up.save_target(session, tenant, indicator, **body)
    session.commit()
    return _progress(indicator)


@api_bp.route("/<code>/target", methods=["DELETE"])
@api_bp.response(204)
@api_bp.problems(403, 404)
def delete_target(code: str):
    """Remove the tenant's target (404 if there is none)."""
    from flask import abort

    from . import follow_up

    api_require("tenant:indicators:manage")
    session, tenant = db_session(), current_tenant()
    if not follow_up.delete_target(session, tenant, _found(code)):
        abort(404)
    session.commit()
    return "", 204


@api_bp.route("/<code>/measures", methods=["GET"])
@api_bp.response(200, IndicatorMeasureSchema(many=True))
@api_bp.problems(403, 404)
def list_measures(code: str):
    """The action-plan measures this indicator follows up for the tenant."""
    from . import follow_up

    api_require("tenant:indicators:view")
    return follow_up.linked_measures(db_session(), current_tenant(), _found(code))


@api_bp.route("/<code>/measures", methods=["POST"])
@api_bp.arguments(IndicatorMeasureSchema)
@api_bp.response(201, IndicatorMeasureSchema(many=True))
@api_bp.problems(400, 403, 404, 415, 422)
def attach_measure(body: dict, code: str):
    """Attach the indicator to a measure of one of the tenant's action plans (idempotent)."""
    from . import follow_up

    api_require("tenant:indicators:manage")
    session, tenant = db_session(), current_tenant()
    indicator = _found(code)
    follow_up.link_measure(session, tenant, indicator, body["id"])
    session.commit()
    return follow_up.linked_measures(session, tenant, indicator), 201


# --- definitions and the consortium comparison ------------------------------------------


class DataElementSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(1, 40))
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    unit = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))
    aggregation = ma.fields.String(
        load_default="sum", validate=ma.validate.OneOf(("sum", "average", "last"))
    )
    shared = ma.fields.Boolean(load_default=False)
    source = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    owner = ma.fields.String(dump_only=True, metadata={"description": "defining tenant's slug"})


class IndicatorCreateSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(1, 40))
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    numerator = ma.fields.String(required=True, validate=ma.validate.Length(1, 500))
    denominator = ma.fields.String(load_default="1", validate=ma.validate.Length(1, 500))
    factor = ma.fields.Float(
        load_default=1.0, validate=ma.validate.Range(min=0, min_inclusive=False)
    )
    term = ma.fields.String(load_default="long", validate=ma.validate.OneOf(("short", "long")))
    direction = ma.fields.String(
        load_default="lower_better",
        validate=ma.validate.OneOf(("lower_better", "higher_better")),
    )
    source = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    attribution = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    shared = ma.fields.Boolean(load_default=False)


class ComparisonCellSchema(ma.Schema):
    member = ma.fields.String(required=True, metadata={"description": "tenant slug or *"})
    period = ma.fields.String(required=True)
    numerator = ma.fields.Float(allow_none=True)
    denominator = ma.fields.Float(allow_none=True)
    rate = ma.fields.Float(allow_none=True)
    suppressed = ma.fields.Boolean(
        required=True,
        metadata={"description": "a count of 1-4, or the cell that would reveal one: no numbers"},
    )


def _owner_slugs() -> dict[int, str]:
    from samverka.toolkit import consortium_members

    from .models import NAME

    return {t.id: t.slug for t in consortium_members(db_session(), current_tenant(), NAME)}


@api_bp.route("/elements", methods=["GET"])
@api_bp.response(200, DataElementSchema(many=True))
@api_bp.problems(403)
def list_elements():
    """The data elements the tenant sees: its own and the consortium's shared ones."""
    api_require("tenant:indicators:view")
    owners = _owner_slugs()
    found = services.visible_elements(db_session(), current_tenant()).values()
    return [
        {
            "code": e.code,
            "name": e.name,
            "unit": e.unit,
            "aggregation": e.aggregation,
            "shared": e.shared,
            "source": e.source,
            "owner": owners.get(e.tenant_id, ""),
        }
        for e in sorted(found, key=lambda e: e.code)
    ]


@api_bp.route("/elements", methods=["POST"])
@api_bp.arguments(DataElementSchema)
@api_bp.response(201, DataElementSchema)
@api_bp.problems(400, 403, 415, 422)
def create_element(body: dict):
    """Add or change (by code) one of the tenant's own data elements."""
    api_require("tenant:indicators:manage")
    session, tenant = db_session(), current_tenant()
    element = services.define_element(session, tenant, body.pop("code"), body.pop("name"), **body)
    session.commit()
    return {
        "code": element.code,
        "name": element.name,
        "unit": element.unit,
        "aggregation": element.aggregation,
        "shared": element.shared,
        "source": element.source,
        "owner": tenant.slug,
    }, 201


@api_bp.route("/", methods=["POST"])
@api_bp.arguments(IndicatorCreateSchema)
@api_bp.response(201, IndicatorSchema)
@api_bp.problems(400, 403, 415, 422)
def create_indicator(body: dict):
    """Add or change (by code) one of the tenant's indicators; the expressions may refer
    only to data elements the tenant sees (422 otherwise)."""
    api_require("tenant:indicators:manage")
    session, tenant = db_session(), current_tenant()
    indicator = services.define_indicator(
        session,
        tenant,
        body.pop("code"),
        body.pop("name"),
        body.pop("numerator"),
        body.pop("denominator"),
        **body,
    )
    session.commit()
    return indicator, 201


@api_bp.route("/<code>/comparison", methods=["GET"])
@api_bp.arguments(YearsArgs, location="query")
@api_bp.response(200, ComparisonCellSchema(many=True))
@api_bp.problems(400, 403, 404)
def comparison(args, code: str):
    """The members side by side and the consortium (member ``*``, a ratio of sums) per
    year; suppressed cells carry no numbers."""
    api_require("tenant:indicators:view")
    session, tenant = db_session(), current_tenant()
    years = years_back(args["end"], args["years"])
    result = services.compare(session, tenant, _found(code), years)
    rows = [(member.slug, cells) for member, cells in result.rows] + [("*", result.total)]
    return [_comparison_cell(slug, cells[period]) for slug, cells in rows for period in years]


def _comparison_cell(member: str, cell) -> dict:
    hidden = cell.suppressed
    return {
        "member": member,
        "period": cell.period,
        "numerator": None if hidden else cell.numerator,
        "denominator": None if hidden else cell.denominator,
        "rate": None if hidden else cell.rate,
        "suppressed": hidden,
    }
