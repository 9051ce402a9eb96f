"""``/api/v1/tenants/{tenant}/agreements`` and ``…/pledges``: cooperation agreements and
citizen pledges with their lists, through the same services as the web pages
(:mod:`samverka.workflows.agreements.services`): only the owner writes, shared ones are read, bad
input is a 422 problem and stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from samverka.workflows.agreements import services as ag

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
    slugs = ag.tenant_slugs(
        session, [record.tenant_id, *(p.party_tenant_id for p in parts.parties)]
    )
    data = _shown(record)
    return {
        "id": record.id,
        "title": record.title,
        "owner": slugs.get(record.tenant_id),
        "current": ag.is_current(data),
        "data": data,
        "parties": [
            {"tenant": slugs.get(p.party_tenant_id), "name": p.name, "kind": p.kind}
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
    activities = ag.activities_of(session, record)
    slugs = ag.tenant_slugs(session, [record.tenant_id, *(a.owner_tenant_id for a in activities)])
    data = _shown(record)
    return {
        "id": record.id,
        "title": record.title,
        "owner": slugs.get(record.tenant_id),
        "current": ag.is_current(data),
        "data": data,
        "activities": [
            {
                "description": a.description,
                "owner_tenant": slugs.get(a.owner_tenant_id),
                "owner_name": a.owner_name,
                "due_on": a.due_on,
            }
            for a in activities
        ],
        "follow_ups": [
            {"year": f.year, "status": f.status, "text": f.text}
            for f in ag.follow_ups_of(session, record)
        ],
    }


@dataclass(frozen=True)
class Resource:
    """One kind's resource: its service kind and how a record of it is marshalled. The
    list, create, read, change and end of both kinds are the functions below."""

    kind: ag.Kind
    body: Callable[[Record], dict[str, Any]]


AGREEMENTS = Resource(ag.AGREEMENTS, agreement_body)
PLEDGES = Resource(ag.PLEDGES, pledge_body)


def _list(resource: Resource) -> dict[str, Any]:
    require(READ)
    session, who = db_session(), caller()
    rows = ag.listed(session, resource.kind, viewer=who.tenant, user=who.principal, via="api")
    session.commit()  # the list's audit entries
    return {"items": [resource.body(r) for r in rows]}


def _create(resource: Resource, body: dict):
    require(WRITE)
    session = db_session()
    record = ag.create(session, resource.kind, user=caller().principal, **body)
    session.commit()
    return resource.body(record), 201


def _get(resource: Resource, record_id: int) -> dict[str, Any]:
    require(READ)
    record = _load(record_id, resource.kind.type_name)
    body = resource.body(record)
    db_session().commit()  # the read's audit entry
    return body


def _update(resource: Resource, body: dict, record_id: int) -> dict[str, Any]:
    require(WRITE)
    session = db_session()
    record = _load(record_id, resource.kind.type_name)
    ag.update(session, resource.kind, record, user=caller().principal, **body)
    session.commit()
    return resource.body(record)


def _end(resource: Resource, body: dict, record_id: int) -> dict[str, Any]:
    require(WRITE)
    session = db_session()
    record = _load(record_id, resource.kind.type_name)
    ag.end_record(session, record, ended_on=body["ended_on"], user=caller().principal)
    session.commit()
    return resource.body(record)


# -- agreements ------------------------------------------------------------------------------


@bp.route("/agreements", methods=["GET"])
@bp.response(200, AgreementListSchema)
@bp.problems(403, 404)
def list_agreements():
    """The tenant's agreements and those shared with it (newest first, at most 200)."""
    return _list(AGREEMENTS)


@bp.route("/agreements", methods=["POST"])
@bp.arguments(AgreementCreateSchema)
@bp.response(201, AgreementSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def create_agreement(body: dict):
    """A new agreement; an end before the start or no parties is a 422."""
    return _create(AGREEMENTS, body)


@bp.route("/agreements/<int:agreement_id>", methods=["GET"])
@bp.response(200, AgreementSchema)
@bp.problems(403, 404)
def get_agreement(agreement_id: int):
    return _get(AGREEMENTS, agreement_id)


@bp.route("/agreements/<int:agreement_id>", methods=["PATCH"])
@bp.arguments(AgreementPatchSchema)
@bp.response(200, AgreementSchema)
@bp.problems(400, 403, 404, 409, 413, 415, 422)
def update_agreement(body: dict, agreement_id: int):
    """Change an agreement (owner only); lists given replace the stored ones."""
    return _update(AGREEMENTS, body, agreement_id)


@bp.route("/agreements/<int:agreement_id>/end", methods=["POST"])
@bp.arguments(EndSchema)
@bp.response(200, AgreementSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def end_agreement(body: dict, agreement_id: int):
    """End the agreement after ``ended_on`` (not before its start)."""
    return _end(AGREEMENTS, body, agreement_id)


# -- pledges ---------------------------------------------------------------------------------


@bp.route("/pledges", methods=["GET"])
@bp.response(200, PledgeListSchema)
@bp.problems(403, 404)
def list_pledges():
    """The tenant's citizen pledges and those shared with it (newest first, at most 200)."""
    return _list(PLEDGES)


@bp.route("/pledges", methods=["POST"])
@bp.arguments(PledgeCreateSchema)
@bp.response(201, PledgeSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def create_pledge(body: dict):
    return _create(PLEDGES, body)


@bp.route("/pledges/<int:pledge_id>", methods=["GET"])
@bp.response(200, PledgeSchema)
@bp.problems(403, 404)
def get_pledge(pledge_id: int):
    return _get(PLEDGES, pledge_id)


@bp.route("/pledges/<int:pledge_id>", methods=["PATCH"])
@bp.arguments(PledgePatchSchema)
@bp.response(200, PledgeSchema)
@bp.problems(400, 403, 404, 409, 413, 415, 422)
def update_pledge(body: dict, pledge_id: int):
    """Change a pledge (owner only); activities given replace the stored ones."""
    return _update(PLEDGES, body, pledge_id)


@bp.route("/pledges/<int:pledge_id>/end", methods=["POST"])
@bp.arguments(EndSchema)
@bp.response(200, PledgeSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def end_pledge(body: dict, pledge_id: int):
    return _end(PLEDGES, body, pledge_id)


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
