"""``GET /api/v1/tenants/{tenant}/audit``: the tenant's audit log, filtered, page by page.

The same filters and entries as the review page (:mod:`samverka.audit.queries`); each read is
itself recorded (``audit.read`` with ``via: api``).
"""

from __future__ import annotations

from urllib.parse import urlencode

import marshmallow as ma
from flask import request
from marshmallow import fields

from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.pagination import PageArgs, decode_cursor, encode_cursor, page_schema
from samverka.api.params import bounded_date, id_field
from samverka.audit import queries, record_event
from samverka.audit.chain import utc_text
from samverka.audit.events import OUTCOMES
from samverka.runtime import db_session

bp = ApiBlueprint(
    "audit", __name__, url_prefix="/api/v1/tenants/<tenant>", description="The audit log."
)


class AuditArgs(PageArgs):
    start = bounded_date(
        data_key="from", load_default=None, metadata={"description": "First day (UTC)."}
    )
    end = bounded_date(
        data_key="to", load_default=None, metadata={"description": "Last day (UTC), inclusive."}
    )
    action = fields.String(
        load_default=None,
        validate=ma.validate.Regexp(r"^[a-z][a-z0-9_.]{0,62}$"),
        metadata={"description": "An action (`auth.login`) or an area (`auth`)."},
    )
    actor_user_id = id_field(load_default=None)
    outcome = fields.String(load_default=None, validate=ma.validate.OneOf(sorted(OUTCOMES)))
    target_type = fields.String(
        load_default=None, validate=ma.validate.Regexp(r"^[a-z][a-z0-9_]{0,62}$")
    )
    target_id = fields.String(load_default=None, validate=ma.validate.Length(min=1, max=64))


class AuditEntrySchema(ma.Schema):
    id = fields.Integer(required=True)
    occurred_at = fields.String(required=True, metadata={"description": "UTC, ISO 8601."})
    action = fields.String(required=True)
    outcome = fields.String(required=True)
    actor_kind = fields.String(
        required=True, metadata={"description": "user | token | operator | system | anonymous"}
    )
    actor_user_id = fields.Integer(required=True, allow_none=True)
    actor_token_id = fields.Integer(required=True, allow_none=True)
    actor_label = fields.String(required=True, allow_none=True)
    on_behalf_tenant_id = fields.Integer(required=True, allow_none=True)
    target_type = fields.String(required=True, allow_none=True)
    target_id = fields.String(required=True, allow_none=True)
    client_address = fields.String(required=True, allow_none=True)
    request_id = fields.String(required=True, allow_none=True)
    details = fields.Dict(required=True, allow_none=True)
    seq = fields.Integer(required=True, metadata={"description": "Place in the tenant's chain."})
    hash = fields.String(required=True, metadata={"description": "SHA-256 of the chain link."})


AuditPage = page_schema(AuditEntrySchema, "AuditPage")
FILTERS = ("start", "end", "action", "actor_user_id", "outcome", "target_type", "target_id")


@bp.route("/audit", methods=["GET"])
@bp.arguments(AuditArgs, location="query")
@bp.response(200, AuditPage)
@bp.problems(400, 403, 404, 422)
def list_audit(args: dict):
    """The tenant's audit entries, newest first (permission `tenant:audit:view`)."""
    require("tenant:audit:view")
    tenant = caller().tenant
    filters = queries.Filters(**{name: args[name] for name in FILTERS})
    before = decode_cursor(args["cursor"])
    session = db_session()
    rows, following = queries.page(
        session, tenant.id, filters, int(before) if before is not None else None, args["limit"]
    )
    items = [{**_fields(e), "occurred_at": utc_text(e.occurred_at)} for e in rows]
    record_event(
        session,
        "audit.read",
        tenant_id=tenant.id,
        target_type="audit_log",
        details={**filters.as_details(), "rows": len(rows), "via": "api"},
    )
    session.commit()
    return {"items": items, "next": _next_link(following)}


def _fields(entry) -> dict:
    return {name: getattr(entry, name) for name in AuditEntrySchema._declared_fields}


def _next_link(following: int | None) -> str | None:
    """The next page with the same filters (the cursor carries only the position)."""
    if following is None:
        return None
    query = request.args.to_dict()
    query["cursor"] = encode_cursor(following)
    return f"{request.path}?{urlencode(query)}"
