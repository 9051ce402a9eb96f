"""``/api/v1/tenants/{tenant}/agreements`` and ``…/pledges``: cooperation agreements and
citizen pledges with their lists, through the same services as the web pages
(:mod:`samverka.workflows.agreements`): only the owner writes, shared ones are read, bad
input is a 422 problem and stores nothing."""

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
from samverka.workflows import agreements as ag

MAX_ID = 2**31 - 1
READ, WRITE = "tenant:records:read", "tenant:records:write"

bp = ApiBlueprint(
    "agreements",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="Cooperation agreements and citizen pledges (Lag 2023:196).",
)


# -- schemas ---------------------------------------------------------------------------------


class PartySchema(StrictSchema):
    tenant = fields.String(
        load_default=None, allow_none=True, metadata={"description": "A tenant's slug."}
    )
    name = fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=200))


class SignatorySchema(StrictSchema):
    name = fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    title = fields.String(load_default=None, allow_none=True)
    party = fields.String(load_default=None, allow_none=True)
    signed_on = fields.String(
        load_default=None, allow_none=True, metadata={"description": "YYYY-MM-DD"}
    )


class ActivitySchema(StrictSchema):
    description = fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))
    owner_tenant = fields.String(load_default=None, allow_none=True)
    owner_name = fields.String(load_default=None, allow_none=True)
    due_on = fields.String(load_default=None, allow_none=True)


class AgreementCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=ma.validate.Length(min=1, max=300))
    data = fields.Dict(
        required=True,
        metadata={
            "description": "valid_from, valid_to | until_further_notice, review_on, "
            "problems (one per line), summary."
        },
    )
    parties = fields.List(fields.Nested(PartySchema), required=True)
    signatories = fields.List(fields.Nested(SignatorySchema), load_default=list)
    annexes = fields.List(
        fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID)),
        load_default=list,
        metadata={"description": "Ids of situation pictures and action plans."},
    )


class AgreementPatchSchema(StrictSchema):
    title = fields.String(validate=ma.validate.Length(min=1, max=300))
    data = fields.Dict(metadata={"description": "Fields to change; null clears a field."})
    parties = fields.List(fields.Nested(PartySchema), metadata={"description": "Replaces."})
    signatories = fields.List(fields.Nested(SignatorySchema), metadata={"description": "Replaces."})
    annexes = fields.List(
        fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID)),
        metadata={"description": "Replaces."},
    )


class PledgePatchSchema(StrictSchema):
    title = fields.String(validate=ma.validate.Length(min=1, max=300))
    data = fields.Dict(metadata={"description": "Fields to change; null clears a field."})
    activities = fields.List(fields.Nested(ActivitySchema), metadata={"description": "Replaces."})


class PledgeCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=ma.validate.Length(min=1, max=300))
    data = fields.Dict(
        required=True,
        metadata={
            "description": "valid_from, valid_to, focus_areas, public_text, published, "
            "follow_up_month, internal_notes."
        },
    )
    activities = fields.List(fields.Nested(ActivitySchema), load_default=list)


class EndSchema(StrictSchema):
    ended_on = fields.String(required=True, metadata={"description": "YYYY-MM-DD"})


class PledgeFollowUpCreateSchema(StrictSchema):
    year = fields.Integer(required=True, validate=ma.validate.Range(min=2000, max=2200))
    status = fields.String(required=True, validate=ma.validate.OneOf(ag.FOLLOW_UP_STATUSES))
    text = fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))


class PartyOutSchema(ma.Schema):
    tenant = fields.String(allow_none=True)
    name = fields.String()
    kind = fields.String(allow_none=True)


class SignatoryOutSchema(ma.Schema):
    name = fields.String()
    title = fields.String(allow_none=True)
    party = fields.String(allow_none=True)
    signed_on = fields.Date(allow_none=True)


class AgreementSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    owner = fields.String(required=True)
    current = fields.Boolean(required=True)
    data = fields.Dict(required=True)
    parties = fields.List(fields.Nested(PartyOutSchema), required=True)
    signatories = fields.List(fields.Nested(SignatoryOutSchema), required=True)
    problems = fields.List(fields.String(), required=True)
    annexes = fields.List(fields.Integer(), required=True)


class AgreementListSchema(ma.Schema):
    items = fields.List(fields.Nested(AgreementSchema), required=True)


class ActivityOutSchema(ma.Schema):
    description = fields.String()
    owner_tenant = fields.String(allow_none=True)
    owner_name = fields.String(allow_none=True)
    due_on = fields.Date(allow_none=True)


class FollowUpSchema(ma.Schema):
    year = fields.Integer()
    status = fields.String()
    text = fields.String()


class PledgeSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    owner = fields.String(required=True)
    current = fields.Boolean(required=True)
    data = fields.Dict(required=True)
    activities = fields.List(fields.Nested(ActivityOutSchema), required=True)
    follow_ups = fields.List(fields.Nested(FollowUpSchema), required=True)


class PledgeListSchema(ma.Schema):
    items = fields.List(fields.Nested(PledgeSchema), required=True)


# -- helpers ---------------------------------------------------------------------------------


def _slug(tenant_id: int | None) -> str | None:
    if tenant_id is None:
        return None
    tenant = db_session().get(Tenant, tenant_id)
    return tenant.slug if tenant else None


def _load(record_id: int, kind: str) -> Record:
    who = caller()
    if record_id > MAX_ID:
        raise ApiProblem("not-found", f"No record {record_id}.")
    record = services.get_record(
        db_session(), record_id, user=who.principal, viewer_tenant=who.tenant
    )
    if record.type_name != kind:
        raise ApiProblem("not-found", f"No record {record_id}.")
    return record


def _shown(record: Record) -> dict[str, Any]:
    """The record's fields the caller may see (the disclosure door)."""
    who = caller()
    return dict(disclose(db_session(), record, user=who.principal, viewer_tenant=who.tenant).data)


def agreement_body(record: Record) -> dict[str, Any]:
    session = db_session()
    parts = ag.agreement_parts(session, record)
    data = _shown(record)
    return {
        "id": record.id,
        "title": record.title,
        "owner": _slug(record.tenant_id),
        "current": ag.is_current(data),
        "data": data,
        "parties": [
            {"tenant": _slug(p.party_tenant_id), "name": p.name, "kind": p.kind}
            for p in parts.parties
        ],
        "signatories": [
            {"name": s.name, "title": s.title, "party": s.party, "signed_on": s.signed_on}
            for s in parts.signatories
        ],
        "problems": parts.problems,
        "annexes": [a.annex_record_id for a, _linked in parts.annexes],
    }


def pledge_body(record: Record) -> dict[str, Any]:
    session = db_session()
    data = _shown(record)
    return {
        "id": record.id,
        "title": record.title,
        "owner": _slug(record.tenant_id),
        "current": ag.is_current(data),
        "data": data,
        "activities": [
            {
                "description": a.description,
                "owner_tenant": _slug(a.owner_tenant_id),
                "owner_name": a.owner_name,
                "due_on": a.due_on,
            }
            for a in ag.activities_of(session, record)
        ],
        "follow_ups": [
            {"year": f.year, "status": f.status, "text": f.text}
            for f in ag.follow_ups_of(session, record)
        ],
    }


def _list(kind: str) -> list[Record]:
    session, who = db_session(), caller()
    rows = services.list_records(
        session,
        viewer_tenant=who.tenant,
        user=who.principal,
        record_type=kind,
        limit=200,
        via="api",
    )
    session.commit()  # the list's audit entries
    return rows


# -- agreements ------------------------------------------------------------------------------


@bp.route("/agreements", methods=["GET"])
@bp.response(200, AgreementListSchema)
@bp.problems(403, 404)
def list_agreements():
    """The tenant's agreements and those shared with it (newest first, at most 200)."""
    require(READ)
    return {"items": [agreement_body(r) for r in _list(ag.AGREEMENT_TYPE)]}


@bp.route("/agreements", methods=["POST"])
@bp.arguments(AgreementCreateSchema)
@bp.response(201, AgreementSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def create_agreement(body: dict):
    """A new agreement; an end before the start or no parties is a 422."""
    require(WRITE)
    session = db_session()
    record = ag.create_agreement(session, user=caller().principal, **body)
    session.commit()
    return agreement_body(record), 201


@bp.route("/agreements/<int:agreement_id>", methods=["GET"])
@bp.response(200, AgreementSchema)
@bp.problems(403, 404)
def get_agreement(agreement_id: int):
    require(READ)
    record = _load(agreement_id, ag.AGREEMENT_TYPE)
    body = agreement_body(record)
    db_session().commit()
    return body


@bp.route("/agreements/<int:agreement_id>", methods=["PATCH"])
@bp.arguments(AgreementPatchSchema)
@bp.response(200, AgreementSchema)
@bp.problems(400, 403, 404, 409, 413, 415, 422)
def update_agreement(body: dict, agreement_id: int):
    """Change an agreement (owner only); lists given replace the stored ones."""
    require(WRITE)
    session = db_session()
    record = _load(agreement_id, ag.AGREEMENT_TYPE)
    ag.update_agreement(session, record, user=caller().principal, **body)
    session.commit()
    return agreement_body(record)


@bp.route("/agreements/<int:agreement_id>/end", methods=["POST"])
@bp.arguments(EndSchema)
@bp.response(200, AgreementSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def end_agreement(body: dict, agreement_id: int):
    """End the agreement after ``ended_on`` (not before its start)."""
    require(WRITE)
    record = _load(agreement_id, ag.AGREEMENT_TYPE)
    _end(record, body)
    return agreement_body(record)


def _end(record: Record, body: dict) -> None:
    session = db_session()
    ag.end_record(session, record, ended_on=body["ended_on"], user=caller().principal)
    session.commit()


# -- pledges ---------------------------------------------------------------------------------


@bp.route("/pledges", methods=["GET"])
@bp.response(200, PledgeListSchema)
@bp.problems(403, 404)
def list_pledges():
    """The tenant's citizen pledges and those shared with it (newest first, at most 200)."""
    require(READ)
    return {"items": [pledge_body(r) for r in _list(ag.PLEDGE_TYPE)]}


@bp.route("/pledges", methods=["POST"])
@bp.arguments(PledgeCreateSchema)
@bp.response(201, PledgeSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def create_pledge(body: dict):
    require(WRITE)
    session = db_session()
    record = ag.create_pledge(session, user=caller().principal, **body)
    session.commit()
    return pledge_body(record), 201


@bp.route("/pledges/<int:pledge_id>", methods=["GET"])
@bp.response(200, PledgeSchema)
@bp.problems(403, 404)
def get_pledge(pledge_id: int):
    require(READ)
    record = _load(pledge_id, ag.PLEDGE_TYPE)
    body = pledge_body(record)
    db_session().commit()
    return body


@bp.route("/pledges/<int:pledge_id>", methods=["PATCH"])
@bp.arguments(PledgePatchSchema)
@bp.response(200, PledgeSchema)
@bp.problems(400, 403, 404, 409, 413, 415, 422)
def update_pledge(body: dict, pledge_id: int):
    """Change a pledge (owner only); activities given replace the stored ones."""
    require(WRITE)
    session = db_session()
    record = _load(pledge_id, ag.PLEDGE_TYPE)
    ag.update_pledge(session, record, user=caller().principal, **body)
    session.commit()
    return pledge_body(record)


@bp.route("/pledges/<int:pledge_id>/end", methods=["POST"])
@bp.arguments(EndSchema)
@bp.response(200, PledgeSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def end_pledge(body: dict, pledge_id: int):
    require(WRITE)
    record = _load(pledge_id, ag.PLEDGE_TYPE)
    _end(record, body)
    return pledge_body(record)


@bp.route("/pledges/<int:pledge_id>/follow-ups", methods=["POST"])
@bp.arguments(PledgeFollowUpCreateSchema)
@bp.response(201, PledgeSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def create_follow_up(body: dict, pledge_id: int):
    """Record (or replace) the follow-up of a year."""
    require(WRITE)
    session = db_session()
    record = _load(pledge_id, ag.PLEDGE_TYPE)
    ag.record_follow_up(session, record, user=caller().principal, **body)
    session.commit()
    return pledge_body(record), 201
