"""REST API under ``/api/v1/tenants/<tenant>/indicators/``: the visible indicators and one
indicator's values per year (counts beside rates)."""

from __future__ import annotations

import marshmallow as ma

from samverka.plugins.api import ApiBlueprint, api_require, current_tenant, db_session

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
    end = ma.fields.String(load_default="2024", validate=ma.validate.Regexp(r"^\d{4}$"))
    years = ma.fields.Integer(load_default=5, validate=ma.validate.Range(1, 25))


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
    from flask import abort

    api_require("tenant:indicators:view")
    session, tenant = db_session(), current_tenant()
    found = [i for i in services.visible_indicators(session, tenant) if i.code == code]
    if not found:
        abort(404)
    years = years_back(args["end"], args["years"])
    cells = services.compute(session, tenant, found[0], [tenant.id], years)
    return [cells[(tenant.id, y)] for y in years]
