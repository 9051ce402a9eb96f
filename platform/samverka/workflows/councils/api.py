"""``/api/v1/tenants/{tenant}/councils``: councils and working groups, their members,
meetings (with decisions) and assignments; the caller's assignments; the annual calendar.

The same services as the pages (:mod:`samverka.workflows.councils.services`): a body is a
``core.council`` record, seen by its owner and wherever it is shared (its consortium, the
organisations of its members and assignees). Only the owner writes.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.params import MAX_YEAR, MIN_YEAR
from samverka.api.problems import ApiProblem
from samverka.api.schemas import StrictSchema
from samverka.records import services
from samverka.records.disclosure import disclose
from samverka.records.models import Record
from samverka.runtime import db_session
from samverka.tenants.models import Tenant
from samverka.workflows import calendar
from samverka.workflows.councils import services as councils

MAX_ID = 2**31 - 1

bp = ApiBlueprint(
    "councils",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="Councils and working groups, meetings, assignments; the annual calendar.",
)


# -- schemas ---------------------------------------------------------------------------------


class CouncilMemberSchema(ma.Schema):
    id = fields.Integer(required=True)
    tenant = fields.String(required=True)
    user_id = fields.Integer(required=True, allow_none=True)
    name = fields.String(required=True, allow_none=True)
    role = fields.String(required=True, allow_none=True)


class CouncilDecisionSchema(ma.Schema):
    paragraph = fields.String(required=True, allow_none=True)
    text = fields.String(required=True)


class CouncilMeetingSchema(ma.Schema):
    id = fields.Integer(required=True)
    meeting_on = fields.Date(required=True)
    place = fields.String(required=True, allow_none=True)
    agenda = fields.List(fields.String(), required=True)
    minutes_text = fields.String(required=True, allow_none=True)
    minutes_record_id = fields.Integer(required=True, allow_none=True)
    decisions = fields.List(fields.Nested(CouncilDecisionSchema), required=True)


class CouncilAssignmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    council_id = fields.Integer(required=True)
    meeting_id = fields.Integer(required=True, allow_none=True)
    title = fields.String(required=True)
    owner_tenant = fields.String(required=True)
    owner_user_id = fields.Integer(required=True, allow_none=True)
    due_on = fields.Date(required=True, allow_none=True)
    status = fields.String(required=True, metadata={"description": "open | done"})


class CouncilSummarySchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    meetings_per_year = fields.Integer(required=True)
    owner = fields.String(required=True)
    consortium = fields.String(required=True, allow_none=True)


class CouncilListSchema(ma.Schema):
    items = fields.List(fields.Nested(CouncilSummarySchema), required=True)


class CouncilSchema(CouncilSummarySchema):
    members = fields.List(fields.Nested(CouncilMemberSchema), required=True)
    meetings = fields.List(fields.Nested(CouncilMeetingSchema), required=True)
    assignments = fields.List(fields.Nested(CouncilAssignmentSchema), required=True)


class CouncilAssignmentListSchema(ma.Schema):
    items = fields.List(fields.Nested(CouncilAssignmentSchema), required=True)


class MeetingCreateSchema(StrictSchema):
    meeting_on = fields.Date(required=True)
    place = fields.String(load_default=None, validate=ma.validate.Length(max=200))
    agenda = fields.List(
        fields.String(validate=ma.validate.Length(min=1, max=500)),
        load_default=list,
        validate=ma.validate.Length(max=100),
    )
    minutes_text = fields.String(load_default=None, validate=ma.validate.Length(max=50_000))


class AssignmentCreateSchema(StrictSchema):
    title = fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    owner_tenant = fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=63),
        metadata={"description": "The responsible organisation's slug."},
    )
    owner_user = fields.String(
        load_default=None,
        validate=ma.validate.Length(max=254),
        metadata={"description": "The responsible user's e-mail address."},
    )
    due_on = fields.Date(load_default=None)
    meeting_id = fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=MAX_ID))


class CycleCalendarEntrySchema(ma.Schema):
    date = fields.Date(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    url = fields.String(required=True, allow_none=True)


class CycleCalendarSchema(ma.Schema):
    year = fields.Integer(required=True)
    items = fields.List(fields.Nested(CycleCalendarEntrySchema), required=True)


# -- helpers ---------------------------------------------------------------------------------


def _council(council_id: int) -> Record:
    who = caller()
    if council_id > MAX_ID:
        raise ApiProblem("not-found", f"No council {council_id}.")
    record = services.get_record(
        db_session(), council_id, user=who.principal, viewer_tenant=who.tenant
    )
    if record.type_name != councils.COUNCIL_TYPE:
        raise ApiProblem("not-found", f"No council {council_id}.")
    return record


def _slugs(ids: set[int]) -> dict[int, str]:
    from sqlalchemy import select

    if not ids:
        return {}
    rows = db_session().execute(
        select(Tenant.id, Tenant.slug)
        .where(Tenant.id.in_(ids))
        .execution_options(samverka_scope_free=True)
    )
    return dict(rows.all())


def _summary(body: Record, slugs: dict[int, str]) -> dict[str, Any]:
    who = caller()
    data = disclose(db_session(), body, user=who.principal, viewer_tenant=who.tenant).data
    return {
        "id": body.id,
        "name": body.title,
        "kind": data.get("kind", "other"),
        "meetings_per_year": councils.planned_meetings(body),
        "owner": slugs.get(body.tenant_id, ""),
        "consortium": data.get("consortium"),
    }


def _assignment(a: councils.CouncilAssignment, slugs: dict[int, str]) -> dict[str, Any]:
    return {
        "id": a.id,
        "council_id": a.record_id,
        "meeting_id": a.meeting_id,
        "title": a.title,
        "owner_tenant": slugs.get(a.owner_tenant_id, ""),
        "owner_user_id": a.owner_user_id,
        "due_on": a.due_on,
        "status": a.status,
    }


def _meeting(session, meeting: councils.CouncilMeeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "meeting_on": meeting.meeting_on,
        "place": meeting.place,
        "agenda": meeting.agenda_items,
        "minutes_text": meeting.minutes_text,
        "minutes_record_id": meeting.minutes_record_id,
        "decisions": [
            {"paragraph": d.paragraph, "text": d.text}
            for d in councils.decisions_at(session, meeting)
        ],
    }


# -- routes ----------------------------------------------------------------------------------


@bp.route("/councils", methods=["GET"])
@bp.response(200, CouncilListSchema)
@bp.problems(403, 404)
def list_councils():
    """Bodies the tenant owns or takes part in (consortium bodies included)."""
    require("tenant:records:read")
    session, who = db_session(), caller()
    bodies = councils.list_councils(session, viewer=who.tenant, user=who.principal, via="api")
    session.commit()  # the list's audit entries
    slugs = _slugs({b.tenant_id for b in bodies})
    return {"items": [_summary(b, slugs) for b in bodies]}


@bp.route("/councils/<int:council_id>", methods=["GET"])
@bp.response(200, CouncilSchema)
@bp.problems(403, 404)
def get_council(council_id: int):
    """A body with its members, meetings (and their decisions) and assignments."""
    body = _council(council_id)
    session = db_session()
    session.commit()  # the read's audit entry
    members = councils.members_of(session, body)
    assignments = councils.assignments_of(session, body)
    slugs = _slugs(
        {body.tenant_id}
        | {m.member_tenant_id for m in members}
        | {a.owner_tenant_id for a in assignments}
    )
    return _summary(body, slugs) | {
        "members": [
            {
                "id": m.id,
                "tenant": slugs.get(m.member_tenant_id, ""),
                "user_id": m.user_id,
                "name": m.person_name,
                "role": m.role,
            }
            for m in members
        ],
        "meetings": [_meeting(session, m) for m in councils.meetings_of(session, body)],
        "assignments": [_assignment(a, slugs) for a in assignments],
    }


@bp.route("/councils/<int:council_id>/meetings", methods=["POST"])
@bp.arguments(MeetingCreateSchema)
@bp.response(201, CouncilMeetingSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def add_meeting(body: dict, council_id: int):
    """A meeting (date, place, agenda items, minutes as text)."""
    require("tenant:records:write")
    council = _council(council_id)
    session = db_session()
    body["agenda"] = "\n".join(body["agenda"]) or None
    meeting = councils.add_meeting(session, council, user=caller().principal, **body)
    session.commit()
    return _meeting(session, meeting), 201


@bp.route("/councils/<int:council_id>/assignments", methods=["POST"])
@bp.arguments(AssignmentCreateSchema)
@bp.response(201, CouncilAssignmentSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def add_assignment(body: dict, council_id: int):
    """An assignment for an organisation (and optionally a user), shown to its owner."""
    require("tenant:records:write")
    council = _council(council_id)
    session = db_session()
    meeting_id = body.pop("meeting_id")
    meeting = councils.get_meeting(session, council, meeting_id) if meeting_id else None
    found = councils.add_assignment(
        session, council, meeting=meeting, user=caller().principal, **body
    )
    session.commit()
    return _assignment(found, _slugs({found.owner_tenant_id})), 201


@bp.route("/my-assignments", methods=["GET"])
@bp.response(200, CouncilAssignmentListSchema)
@bp.problems(403, 404)
def my_assignments():
    """Open assignments for the token's user, or for the tenant without a named user."""
    require("tenant:records:read")
    who = caller()
    found = councils.my_assignments(db_session(), who.tenant, who.principal)
    slugs = _slugs({a.owner_tenant_id for a in found})
    return {"items": [_assignment(a, slugs) for a in found]}


@bp.route(f"/calendar/<int(min={MIN_YEAR}, max={MAX_YEAR}):year>", methods=["GET"])
@bp.response(200, CycleCalendarSchema)
@bp.problems(403, 404)
def get_calendar(year: int):
    """The annual calendar (årshjul): meetings, due dates and what plugins contribute."""
    require("tenant:records:read")
    if not 2000 <= year <= 2100:
        raise ApiProblem("not-found", f"No calendar for {year}.")
    entries = calendar.calendar_entries(db_session(), caller().tenant, year)
    return {
        "year": year,
        "items": [
            {
                "date": e["date"],
                "title": str(e.get("title", "")),
                "kind": str(e.get("kind", "")),
                "url": e.get("url"),
            }
            for e in entries
        ],
    }
