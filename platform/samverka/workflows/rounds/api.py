"""``/api/v1/tenants/{tenant}/rounds`` and ``…/pictures``: reporting rounds, the units'
reports, compiling a round's situation picture (a job) and the consortium picture.

The same services as the pages (:mod:`samverka.workflows.rounds.services`, ``.pictures``): the
token's tenant opens and closes its rounds, reports for the units it reports as (its own or
an invitation from another tenant), and reads the figures of pictures it may read. Bad input
is a 422 problem naming the field (``lines.2.count``); a report to a closed round is 409.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.problems import ApiProblem
from samverka.api.records import body_limit
from samverka.areas import services as areas
from samverka.records import services as records
from samverka.runtime import db_session
from samverka.workflows.pictures import services as pictures
from samverka.workflows.rounds import services as rounds
from samverka.workflows.rounds.models import ReportingRound, RoundReport

MAX_ID = 2**31 - 1
VIEW = "tenant:rounds:view"

bp = ApiBlueprint(
    "rounds",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="Reporting rounds, the units' reports and situation pictures.",
)


class RoundReportSchema(ma.Schema):
    id = fields.Integer(dump_only=True)
    unit_id = fields.Integer(dump_only=True)
    lines = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "{category, count, area_id (the round owner's register, "
            "GET /areas), area (free text when no area fits: flagged area_unmapped), "
            "weekday, time_of_day, trend}"
        },
    )
    observations = fields.String(load_default=None, allow_none=True)
    sources = fields.String(load_default=None, allow_none=True)
    late = fields.Boolean(dump_only=True)
    submitted_at = fields.DateTime(dump_only=True)


class RoundUnitSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    reporter = fields.Integer(required=True, metadata={"description": "Reporting tenant id."})
    reported = fields.Boolean(required=True)
    late = fields.Boolean(required=True)


class RoundAreaSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class RoundSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    cadence = fields.String(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    deadline = fields.Date(required=True)
    status = fields.String(required=True)
    owner = fields.Integer(required=True)
    categories = fields.List(fields.List(fields.String()), required=True)
    picture_id = fields.Integer(required=True, allow_none=True)
    units = fields.List(fields.Nested(RoundUnitSchema), required=True)
    areas = fields.List(
        fields.Nested(RoundAreaSchema),
        required=True,
        metadata={"description": "The round owner's areas: a report line's area_id."},
    )


class RoundCreateSchema(ma.Schema):
    period_start = fields.String(required=True, metadata={"description": "YYYY-MM-DD"})
    cadence = fields.String(load_default="monthly")
    deadline = fields.String(load_default=None, allow_none=True)
    title = fields.String(load_default=None, allow_none=True)
    units = fields.List(
        fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID)), load_default=list
    )


class ReportUnitSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    partner_tenant_id = fields.Integer(required=True, allow_none=True)


class CompileJobSchema(ma.Schema):
    job_id = fields.Integer(required=True)


class PictureFigureSchema(ma.Schema):
    category = fields.String(required=True)
    area = fields.String(required=True)
    area_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The area of the round owner's register; null: free text."},
    )
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    count = fields.Integer(required=True)


class ConsortiumPictureArgs(ma.Schema):
    consortium = fields.String(required=True, metadata={"description": "Slug or id."})
    period_start = fields.String(required=True)
    period_end = fields.String(required=True)


class ConsortiumPictureSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    columns = fields.List(fields.String(), required=True)
    table = fields.Dict(required=True, metadata={"description": "category → member → count or <5"})


def _round(round_id: int) -> ReportingRound:
    if round_id > MAX_ID:
        raise ApiProblem("not-found", f"No round {round_id}.")
    return rounds.get_round(db_session(), round_id)


def _round_body(round_: ReportingRound) -> dict[str, Any]:
    status = rounds.round_status(db_session(), round_)
    return {
        "id": round_.id,
        "title": round_.title,
        "cadence": round_.cadence,
        "period_start": round_.period_start,
        "period_end": round_.period_end,
        "deadline": round_.deadline,
        "status": round_.status,
        "owner": round_.tenant_id,
        "categories": round_.categories,
        "picture_id": round_.picture_record_id if round_.tenant_id == caller().tenant.id else None,
        "units": [
            {
                "id": s.unit.id,
                "name": s.unit.unit_name,
                "reporter": s.unit.reporter_tenant_id,
                "reported": s.reported,
                "late": s.late,
            }
            for s in status
        ],
        "areas": [
            {"id": a.id, "name": a.name}
            for a in areas.live_areas_of(db_session(), round_.tenant_id)
        ],
    }


def _report_body(report: RoundReport) -> dict[str, Any]:
    return {
        "id": report.id,
        "unit_id": report.round_unit_id,
        "lines": report.lines,
        "observations": report.observations,
        "sources": report.sources,
        "late": report.late,
        "submitted_at": report.submitted_at,
    }


@bp.route("/report-units", methods=["GET"])
@bp.response(200, ReportUnitSchema(many=True))
@bp.problems(403, 404)
def list_units():
    """The tenant's reporting units (the defaults are made on first use)."""
    require(VIEW)
    who = caller()
    session = db_session()
    units = rounds.units_of(session, who.tenant)
    if not units and records.may(session, who.principal, rounds.MANAGE, who.tenant):
        units = rounds.ensure_default_units(session, who.tenant, user=who.principal)
        session.commit()
    return [
        {"id": u.id, "name": u.name, "kind": u.kind, "partner_tenant_id": u.partner_tenant_id}
        for u in units
    ]


class ReportUnitCreateSchema(ma.Schema):
    name = fields.String(required=True)
    kind = fields.String(load_default="other")
    partner = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Slug of a tenant of the same consortium that reports."},
    )
    email = fields.String(load_default=None, allow_none=True)


@bp.route("/report-units", methods=["POST"])
@bp.arguments(ReportUnitCreateSchema)
@bp.response(201, ReportUnitSchema)
@bp.problems(400, 403, 404, 415, 422)
def add_unit(body: dict):
    """Add a reporting unit; ``partner``: another organisation of the tenant's consortia."""
    require(rounds.MANAGE)
    who = caller()
    partner = None
    if body["partner"]:
        members = {t.slug: t for c in who.tenant.consortia for t in c.tenants}
        partner = members.get(body["partner"])
        if partner is None:
            raise ApiProblem("not-found", "No such organisation in the tenant's consortia.")
    unit = rounds.add_unit(
        db_session(),
        who.tenant,
        name=body["name"],
        kind=body["kind"],
        partner=partner,
        email=body["email"],
        user=who.principal,
    )
    db_session().commit()
    return {
        "id": unit.id,
        "name": unit.name,
        "kind": unit.kind,
        "partner_tenant_id": unit.partner_tenant_id,
    }, 201


@bp.route("/rounds", methods=["GET"])
@bp.response(200, RoundSchema(many=True))
@bp.problems(403, 404)
def list_rounds():
    """The tenant's rounds, newest first, then the open rounds it is invited to report in."""
    require(VIEW)
    session, tenant = db_session(), caller().tenant
    own = rounds.rounds_of(session, tenant)
    invited = [r for r, _u in rounds.invitations_for(session, tenant) if r.tenant_id != tenant.id]
    return [_round_body(r) for r in [*own, *dict.fromkeys(invited)]]


@bp.route("/rounds", methods=["POST"])
@bp.arguments(RoundCreateSchema)
@bp.response(201, RoundSchema)
@bp.problems(400, 403, 404, 415, 422)
def open_round(body: dict):
    """Open a round for the period that begins with ``period_start`` (at least one unit)."""
    require(rounds.MANAGE)
    who = caller()
    session = db_session()
    round_ = rounds.open_round(
        session,
        who.tenant,
        unit_ids=body["units"],
        period_start=body["period_start"],
        cadence=body["cadence"],
        deadline=body["deadline"],
        title=body["title"],
        user=who.principal,
    )
    session.commit()
    return _round_body(round_), 201


@bp.route("/rounds/<int:round_id>", methods=["GET"])
@bp.response(200, RoundSchema)
@bp.problems(403, 404)
def get_round(round_id: int):
    """One round with who has and has not reported (a partner sees its own units only)."""
    require(VIEW)
    return _round_body(_round(round_id))


@bp.route("/rounds/<int:round_id>/close", methods=["POST"])
@body_limit(0, none=True)
@bp.response(200, RoundSchema)
@bp.problems(403, 404, 413, 415)
def close_round(round_id: int):
    """Close the round: later reports are refused (409)."""
    require(rounds.MANAGE)
    round_ = _round(round_id)
    rounds.close_round(db_session(), round_, user=caller().principal)
    db_session().commit()
    return _round_body(round_)


@bp.route("/rounds/<int:round_id>/units/<int:unit_id>/report", methods=["GET"])
@bp.response(200, RoundReportSchema)
@bp.problems(403, 404)
def get_report(round_id: int, unit_id: int):
    """The unit's report (to the reporting tenant and the round's owner)."""
    require(VIEW)
    unit = rounds.get_round_unit(db_session(), _round(round_id), unit_id)
    report = rounds.report_of(db_session(), unit)
    if report is None:
        raise ApiProblem("not-found", "The unit has not reported yet.")
    return _report_body(report)


@bp.route("/rounds/<int:round_id>/units/<int:unit_id>/report", methods=["PUT"])
@bp.arguments(RoundReportSchema)
@bp.response(200, RoundReportSchema)
@bp.problems(400, 403, 404, 409, 415, 422)
def put_report(body: dict, round_id: int, unit_id: int):
    """Make or replace the unit's report while the round is open (late: marked, counted)."""
    require(rounds.REPORT)
    session = db_session()
    unit = rounds.get_round_unit(session, _round(round_id), unit_id)
    report = rounds.submit_report(
        session,
        unit,
        lines=body["lines"],
        observations=body["observations"],
        sources=body["sources"],
        user=caller().principal,
    )
    session.commit()
    return _report_body(report)


@bp.route("/rounds/<int:round_id>/compile", methods=["POST"])
@body_limit(0, none=True)
@bp.response(202, CompileJobSchema)
@bp.problems(403, 404, 413, 415)
def compile_round(round_id: int):
    """Queue ``core.compile_picture``; follow it at ``/jobs/{job_id}``."""
    require(rounds.MANAGE)
    job = pictures.request_compile(db_session(), _round(round_id), user=caller().principal)
    db_session().commit()
    return {"job_id": job.id}, 202


@bp.route("/pictures/<int:record_id>/figures", methods=["GET"])
@bp.response(200, PictureFigureSchema(many=True))
@bp.problems(403, 404)
def picture_figures(record_id: int):
    """The counts a picture was compiled from (wherever the picture may be read)."""
    require("tenant:records:read")
    who = caller()
    if record_id > MAX_ID:
        raise ApiProblem("not-found", f"No record {record_id}.")
    session = db_session()
    record = records.get_record(session, record_id, user=who.principal, viewer_tenant=who.tenant)
    found = pictures.figures_of(session, record)
    session.commit()  # the read's audit entry
    return [
        {
            "category": f.category,
            "area": f.area,
            "area_id": f.area_id,
            "period_start": f.period_start,
            "period_end": f.period_end,
            "count": f.count,
        }
        for f in found
    ]


@bp.route("/pictures/consortium", methods=["POST"])
@bp.arguments(ConsortiumPictureArgs)
@bp.response(201, ConsortiumPictureSchema)
@bp.problems(400, 403, 404, 415, 422)
def consortium_picture(body: dict):
    """Compile a consortium picture from the members' shared pictures (small counts "<5")."""
    require(rounds.MANAGE)
    who = caller()
    session = db_session()
    group = next(
        (c for c in who.tenant.consortia if body["consortium"] in (c.slug, str(c.id))), None
    )
    if group is None:
        raise ApiProblem("not-found", "The tenant belongs to no such consortium.")
    record = pictures.compile_consortium_picture(
        session,
        who.tenant,
        group,
        period_start=body["period_start"],
        period_end=body["period_end"],
        user=who.principal,
    )
    columns, shown = pictures.consortium_table(
        session,
        group,
        rounds._date(body["period_start"], "period_start"),
        rounds._date(body["period_end"], "period_end"),
    )
    session.commit()
    return {"id": record.id, "title": record.title, "columns": columns, "table": shown}, 201
