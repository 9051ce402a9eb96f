"""``/api/v1/tenants/{tenant}/records``: records, their versions, shares and attachments.

The same services as the web and the CLI (:mod:`samverka.records.services`): the token's
tenant is the viewer, records shared with it are listed beside its own, only the owner may
change, share or see the history of a record, and personal fields are left out unless the
token's roles may ``tenant:records:read_personal``. Reads of confidential and sensitive
records are audited (and committed) like any other read.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import request, send_file
from flask_smorest.fields import Upload
from marshmallow import fields

from samverka import clock
from samverka.api.access import caller, require
from samverka.api.blueprint import ApiBlueprint
from samverka.api.pagination import PageArgs, decode_cursor, encode_cursor, page_schema
from samverka.api.problems import ApiProblem
from samverka.api.schemas import StrictSchema
from samverka.classification import Classification
from samverka.errors import ValidationError
from samverka.records import services
from samverka.records.disclosure import disclose, withheld_fields
from samverka.records.models import Attachment, Record, RecordShare
from samverka.runtime import db_session, runtime
from samverka.tenants.models import Consortium, Tenant

MAX_ID = 2**31 - 1
JSON_MAX_BODY = 1024 * 1024  # a record's long texts exceed the API's usual 64 KiB
LEVELS = [c.value for c in Classification]

bp = ApiBlueprint(
    "records",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="Typed records: the organisation's own and those shared with it.",
)
types_bp = ApiBlueprint(
    "record_types", __name__, url_prefix="/api/v1", description="The registered record types."
)


def body_limit(size: int, *, multipart: bool = False, none: bool = False):
    """Let a view accept a larger body than the API's default, a multipart upload, or no
    body at all (``none``: an action such as restore)."""

    def mark(view):
        view.api_max_body = size
        view.api_multipart = multipart
        view.api_no_body = none
        return view

    return mark


# -- schemas ---------------------------------------------------------------------------------


class FieldSpecSchema(ma.Schema):
    name = fields.String(required=True)
    kind = fields.String(required=True)
    label = fields.String(required=True)
    required = fields.Boolean(required=True)
    personal = fields.Boolean(required=True)
    choices = fields.List(fields.String(), required=True)
    max_length = fields.Integer(required=True, allow_none=True)


class RecordTypeSchema(ma.Schema):
    name = fields.String(required=True)
    label = fields.String(required=True)
    description = fields.String(required=True)
    default_classification = fields.String(required=True)
    retention_days = fields.Integer(required=True, allow_none=True)
    sharing = fields.List(fields.String(), required=True)
    fields_ = fields.List(fields.Nested(FieldSpecSchema), required=True, data_key="fields")


class RecordSchema(ma.Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True)
    title = fields.String(required=True)
    classification = fields.String(required=True)
    version = fields.Integer(required=True)
    owner = fields.String(required=True, metadata={"description": "The owner tenant's slug."})
    shared = fields.Boolean(required=True, metadata={"description": "Shared with this tenant."})
    data = fields.Dict(
        required=True, metadata={"description": "Fields the token may see (personal left out)."}
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    deleted_at = fields.DateTime(required=True, allow_none=True)


class RecordSummarySchema(ma.Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True)
    title = fields.String(required=True)
    classification = fields.String(required=True)
    version = fields.Integer(required=True)
    owner = fields.String(required=True)
    shared = fields.Boolean(required=True)
    updated_at = fields.DateTime(required=True)


RecordPage = page_schema(RecordSummarySchema, "RecordPage")


class RecordListArgs(PageArgs):
    type = fields.String(
        load_default=None, validate=ma.validate.Length(max=127), metadata={"description": "Type."}
    )
    q = fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=200),
        metadata={"description": "Search words (ranked; no further pages)."},
    )
    shared = fields.Boolean(
        load_default=True, metadata={"description": "Include records shared with the tenant."}
    )


class RecordCreateSchema(StrictSchema):
    type = fields.String(required=True, validate=ma.validate.Length(min=1, max=127))
    title = fields.String(required=True, validate=ma.validate.Length(min=1, max=300))
    data = fields.Dict(load_default=dict)
    classification = fields.String(load_default=None, validate=ma.validate.OneOf(LEVELS))


class RecordPatchSchema(StrictSchema):
    title = fields.String(validate=ma.validate.Length(min=1, max=300))
    data = fields.Dict(
        metadata={"description": "Fields to change; null clears a field, others are kept."}
    )
    classification = fields.String(validate=ma.validate.OneOf(LEVELS))
    version = fields.Integer(
        validate=ma.validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The version the change is based on (or If-Match)."},
    )


class FieldChangeSchema(ma.Schema):
    field = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "added | removed | changed"})
    before = fields.Raw(required=True, allow_none=True)
    after = fields.Raw(required=True, allow_none=True)


class VersionSchema(ma.Schema):
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    classification = fields.String(required=True)
    data = fields.Dict(required=True)
    created_at = fields.DateTime(required=True)
    created_by_id = fields.Integer(required=True, allow_none=True)
    changes = fields.List(
        fields.Nested(FieldChangeSchema),
        required=True,
        metadata={"description": "What changed from the previous version."},
    )


class VersionListSchema(ma.Schema):
    items = fields.List(fields.Nested(VersionSchema), required=True)


class ShareSchema(ma.Schema):
    id = fields.Integer(required=True)
    record_id = fields.Integer(required=True)
    tenant = fields.String(required=True, allow_none=True, metadata={"description": "Slug."})
    consortium = fields.String(required=True, allow_none=True, metadata={"description": "Slug."})
    ground = fields.String(required=True, allow_none=True)
    consent_reference = fields.String(required=True, allow_none=True)
    valid_from = fields.DateTime(required=True)
    valid_until = fields.DateTime(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    created_by_id = fields.Integer(required=True, allow_none=True)
    revoked_at = fields.DateTime(required=True, allow_none=True)
    revoke_reason = fields.String(required=True, allow_none=True)
    active = fields.Boolean(required=True)


class ShareListSchema(ma.Schema):
    items = fields.List(fields.Nested(ShareSchema), required=True)


class ShareCreateSchema(StrictSchema):
    tenant = fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=63),
        metadata={"description": "Receiving tenant's slug (or consortium)."},
    )
    consortium = fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=63),
        metadata={"description": "Receiving consortium's slug (or tenant)."},
    )
    ground = fields.String(
        load_default=None,
        validate=ma.validate.Length(max=2000),
        metadata={"description": "Disclosure ground (confidential, sensitive: this or consent)."},
    )
    consent_reference = fields.String(load_default=None, validate=ma.validate.Length(max=200))
    valid_from = fields.AwareDateTime(load_default=None)
    valid_until = fields.AwareDateTime(load_default=None)


class RevokeArgs(ma.Schema):
    reason = fields.String(load_default=None, validate=ma.validate.Length(max=200))


class AttachmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    created_by_id = fields.Integer(required=True, allow_none=True)


class AttachmentListSchema(ma.Schema):
    items = fields.List(fields.Nested(AttachmentSchema), required=True)


class UploadSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "The file (multipart/form-data)."})


# -- helpers ---------------------------------------------------------------------------------


def _session_and_user():
    who = caller()
    return db_session(), who.principal, who.tenant


def _record(record_id: int, *, include_deleted: bool = False) -> Record:
    session, user, tenant = _session_and_user()
    if record_id > MAX_ID:
        raise ApiProblem("not-found", f"No record {record_id}.")
    return services.get_record(
        session, record_id, user=user, viewer_tenant=tenant, include_deleted=include_deleted
    )


def _owner_slug(record: Record) -> str:

    return db_session().get(Tenant, record.tenant_id).slug


def _summary(record: Record) -> dict[str, Any]:
    return {
        "id": record.id,
        "type": record.type_name,
        "title": record.title,
        "classification": Classification(record.classification).value,
        "version": record.version,
        "owner": _owner_slug(record),
        "shared": record.tenant_id != caller().tenant.id,
        "updated_at": record.updated_at,
    }


def _detail(record: Record) -> dict[str, Any]:
    session, user, tenant = _session_and_user()
    return {
        **_summary(record),
        "data": dict(disclose(session, record, user=user, viewer_tenant=tenant).data),
        "created_at": record.created_at,
        "deleted_at": record.deleted_at,
    }


def _with_etag(body: dict, record: Record):
    return body, 200, {"ETag": f'"{record.version}"'}


def _expected_version(body: dict) -> int | None:
    header = request.headers.get("If-Match")
    if header is None:
        return body.get("version")
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or int(text) > MAX_ID:
        raise ApiProblem("bad-request", 'If-Match must be a record version, e.g. "3".')
    return int(text)


# -- record types ----------------------------------------------------------------------------


@types_bp.route("/record-types", methods=["GET"])
@types_bp.response(200, RecordTypeSchema(many=True))
@types_bp.problems()
def list_record_types():
    """Every registered record type with its fields."""
    return [
        {
            "name": kind.name,
            "label": str(kind.label),
            "description": str(kind.description),
            "default_classification": kind.default_classification.value,
            "retention_days": kind.retention.days if kind.retention else None,
            "sharing": sorted(kind.sharing),
            "fields_": [
                {
                    "name": f.name,
                    "kind": f.kind.value,
                    "label": str(f.label),
                    "required": f.required,
                    "personal": f.personal,
                    "choices": list(f.choice_values),
                    "max_length": f.max_length,
                }
                for f in kind.fields
            ],
        }
        for kind in runtime().record_types
    ]


# -- records ---------------------------------------------------------------------------------


@bp.route("/records", methods=["GET"])
@bp.arguments(RecordListArgs, location="query")
@bp.response(200, RecordPage)
@bp.problems(400, 403, 404, 422)
def list_records(args: dict):
    """Records the tenant may see, newest first (keyset pages); with ``q``, the best
    matches of a full-text search (title and non-personal fields), one page."""
    require("tenant:records:read")
    session, user, tenant = _session_and_user()
    if args["q"]:
        found = services.search_records(
            session,
            args["q"],
            viewer_tenant=tenant,
            user=user,
            record_type=args["type"],
            include_shared=args["shared"],
            limit=args["limit"],
            via="api",
        )
        session.commit()  # the list's audit entries
        return {"items": [_summary(r) for r in found], "next": None}
    after = decode_cursor(args["cursor"])
    if after is not None and not isinstance(after, int):
        raise ApiProblem("invalid-cursor", "The cursor is not one this API issued.")
    rows, more = services.list_records_page(
        session,
        viewer_tenant=tenant,
        user=user,
        via="api",
        page_size=args["limit"],
        record_type=args["type"],
        include_shared=args["shared"],
        after=after,
    )
    session.commit()  # the list's audit entries
    items = [_summary(r) for r in rows]
    following = None
    if more:
        query = {k: v for k, v in request.args.items() if k != "cursor"}
        query["cursor"] = encode_cursor(rows[-1].id)
        following = f"{request.path}?{urlencode(query)}"
    return {"items": items, "next": following}


@bp.route("/records", methods=["POST"])
@body_limit(JSON_MAX_BODY)
@bp.arguments(RecordCreateSchema)
@bp.response(201, RecordSchema)
@bp.problems(400, 403, 404, 413, 415, 422)
def create_record(body: dict):
    """Create a record of the tenant (validated against its type)."""
    require("tenant:records:write")
    session, user, _tenant = _session_and_user()
    record = services.create_record(
        session,
        record_type=body["type"],
        title=body["title"],
        data=body["data"],
        classification=body["classification"],
        user=user,
    )
    session.commit()
    return _detail(record), 201, {"ETag": f'"{record.version}"'}


@bp.route("/records/<int:record_id>", methods=["GET"])
@bp.response(200, RecordSchema)
@bp.problems(403, 404)
def get_record(record_id: int):
    """One record (the ETag is its version, for If-Match)."""
    require("tenant:records:read")
    record = _record(record_id)
    body = _detail(record)
    db_session().commit()  # the read's audit entry (confidential, sensitive)
    return _with_etag(body, record)


@bp.route("/records/<int:record_id>", methods=["PATCH"])
@body_limit(JSON_MAX_BODY)
@bp.arguments(RecordPatchSchema)
@bp.response(200, RecordSchema)
@bp.problems(400, 403, 404, 409, 413, 415, 422)
def update_record(body: dict, record_id: int):
    """Change a record of the tenant. Send the version you read (``If-Match`` or
    ``version``): 409 when someone saved in between."""
    require("tenant:records:write")
    session, user, _tenant = _session_and_user()
    record = _record(record_id)
    services.update_record(
        session,
        record,
        title=body.get("title"),
        data=body.get("data"),
        classification=body.get("classification"),
        expected_version=_expected_version(body),
        user=user,
    )
    session.commit()
    return _with_etag(_detail(record), record)


@bp.route("/records/<int:record_id>", methods=["DELETE"])
@bp.response(204)
@bp.problems(403, 404, 409)
def delete_record(record_id: int):
    """Delete a record (restorable for SAMVERKA_RECORD_RESTORE_DAYS)."""
    require("tenant:records:delete")
    session, user, _tenant = _session_and_user()
    services.delete_record(session, _record(record_id), user=user)
    session.commit()


@bp.route("/records/<int:record_id>/restore", methods=["POST"])
@body_limit(0, none=True)
@bp.response(200, RecordSchema)
@bp.problems(403, 404, 409, 413, 415, 422)
def restore_record(record_id: int):
    """Restore a deleted record of the tenant."""
    require("tenant:records:delete")
    session, user, _tenant = _session_and_user()
    record = _record(record_id, include_deleted=True)
    services.restore_record(session, record, user=user)
    session.commit()
    return _with_etag(_detail(record), record)


@bp.route("/records/<int:record_id>/versions", methods=["GET"])
@bp.response(200, VersionListSchema)
@bp.problems(403, 404)
def list_versions(record_id: int):
    """Every version of a record of the tenant, oldest first, each with its changes."""
    require("tenant:records:read")
    session, user, tenant = _session_and_user()
    record = _record(record_id)
    hidden = withheld_fields(session, services.record_type_of(record), user, tenant)
    versions = services.record_versions(session, record, user=user)
    items, previous = [], None
    for version in versions:
        data = dict(
            disclose(session, record, user=user, viewer_tenant=tenant, version=version).data
        )
        items.append(
            {
                "version": version.version,
                "title": version.title,
                "classification": Classification(version.classification).value,
                "data": data,
                "created_at": version.created_at,
                "created_by_id": version.created_by_id,
                "changes": [
                    {"field": c.field, "kind": c.kind, "before": c.before, "after": c.after}
                    for c in services.version_diff(previous, version, hidden=hidden)
                ],
            }
        )
        previous = version
    session.commit()
    return {"items": items}


# -- shares ----------------------------------------------------------------------------------


def _share(share: RecordShare) -> dict[str, Any]:

    session = db_session()
    receiver = session.get(Tenant, share.receiver_tenant_id) if share.receiver_tenant_id else None
    group = session.get(Consortium, share.consortium_id) if share.consortium_id else None
    return {
        "id": share.id,
        "record_id": share.record_id,
        "tenant": receiver.slug if receiver else None,
        "consortium": group.slug if group else None,
        "ground": share.ground,
        "consent_reference": share.consent_reference,
        "valid_from": share.valid_from,
        "valid_until": share.valid_until,
        "created_at": share.created_at,
        "created_by_id": share.created_by_id,
        "revoked_at": share.revoked_at,
        "revoke_reason": share.revoke_reason,
        "active": share.is_active(clock.now()),
    }


@bp.route("/records/<int:record_id>/shares", methods=["GET"])
@bp.response(200, ShareListSchema)
@bp.problems(403, 404)
def list_shares(record_id: int):
    """The shares of a record of the tenant (a receiver gets 403)."""
    require("tenant:records:read")
    session, user, _tenant = _session_and_user()
    record = _record(record_id)
    items = [_share(s) for s in services.record_shares(session, record, user=user)]
    session.commit()
    return {"items": items}


@bp.route("/records/<int:record_id>/shares", methods=["POST"])
@bp.arguments(ShareCreateSchema)
@bp.response(201, ShareSchema)
@bp.problems(400, 403, 404, 409, 413, 415, 422)
def create_share(body: dict, record_id: int):
    """Share a record of the tenant with a tenant or a consortium (confidential and
    sensitive records: with a ground or a consent reference)."""
    require("tenant:records:share")
    session, user, _tenant = _session_and_user()
    share = services.share_record(
        session,
        _record(record_id),
        tenant=body["tenant"],
        consortium=body["consortium"],
        ground=body["ground"],
        consent_reference=body["consent_reference"],
        valid_from=body["valid_from"],
        valid_until=body["valid_until"],
        user=user,
    )
    session.commit()
    return _share(share), 201


@bp.route("/records/<int:record_id>/shares/<int:share_id>", methods=["DELETE"])
@bp.arguments(RevokeArgs, location="query")
@bp.response(204)
@bp.problems(403, 404, 409, 422)
def revoke_share(args: dict, record_id: int, share_id: int):
    """Revoke a share of a record of the tenant (the share stays in its history)."""
    require("tenant:records:share")
    session, user, _tenant = _session_and_user()
    record = _record(record_id)
    if share_id > MAX_ID:
        raise ApiProblem("not-found", f"No share {share_id}.")
    share = services.get_share(session, record, share_id)
    services.revoke_share(session, share, user=user, reason=args["reason"])
    session.commit()


# -- attachments -----------------------------------------------------------------------------


def _attachment(attachment: Attachment) -> dict[str, Any]:
    return {
        name: getattr(attachment, name)
        for name in ("id", "filename", "content_type", "size", "sha256", "created_at")
    } | {"created_by_id": attachment.created_by_id}


@bp.route("/records/<int:record_id>/attachments", methods=["GET"])
@bp.response(200, AttachmentListSchema)
@bp.problems(403, 404)
def list_attachments(record_id: int):
    """The attachments of a record the tenant may see."""
    require("tenant:records:read")
    session = db_session()
    items = [_attachment(a) for a in services.list_attachments(session, _record(record_id))]
    session.commit()
    return {"items": items}


def _upload_limit() -> int:
    return runtime().settings.attachment_max_bytes + 64 * 1024


@bp.route("/records/<int:record_id>/attachments", methods=["POST"])
@body_limit(0, multipart=True)
@bp.arguments(UploadSchema, location="files")
@bp.response(201, AttachmentSchema)
@bp.problems(400, 403, 404, 409, 413, 415, 422)
def add_attachment(files: dict, record_id: int):
    """Attach a file (multipart/form-data, field ``file``) to a record of the tenant;
    size and type are limited (SAMVERKA_ATTACHMENT_MAX_BYTES, the allowed types)."""
    require("tenant:records:attachments")
    session, user, _tenant = _session_and_user()
    upload = files["file"]
    if not upload.filename:
        raise ValidationError("The file needs a name.", "file")
    attachment = services.add_attachment(
        session,
        _record(record_id),
        filename=upload.filename,
        content_type=upload.mimetype or "application/octet-stream",
        stream=upload.stream,
        user=user,
    )
    session.commit()
    return _attachment(attachment), 201


BINARY = {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}


@bp.route("/records/<int:record_id>/attachments/<int:attachment_id>", methods=["GET"])
@bp.doc(responses={"200": {"description": "The file", **BINARY}})
@bp.problems(403, 404)
def download_attachment(record_id: int, attachment_id: int):
    """The attachment's file (as a download, with its stored content type)."""
    require("tenant:records:read")
    session, user, tenant = _session_and_user()
    record = _record(record_id)
    if attachment_id > MAX_ID:
        raise ApiProblem("not-found", f"No attachment {attachment_id}.")
    attachment = services.get_attachment(session, record, attachment_id)
    handle = services.open_attachment(session, attachment, user=user, viewer_tenant=tenant)
    session.commit()
    return send_file(
        handle,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )


@bp.route("/records/<int:record_id>/attachments/<int:attachment_id>", methods=["DELETE"])
@bp.response(204)
@bp.problems(403, 404, 409)
def remove_attachment(record_id: int, attachment_id: int):
    """Remove an attachment of a record of the tenant (its file is deleted)."""
    require("tenant:records:attachments")
    session, user, _tenant = _session_and_user()
    record = _record(record_id)
    if attachment_id > MAX_ID:
        raise ApiProblem("not-found", f"No attachment {attachment_id}.")
    services.remove_attachment(
        session, services.get_attachment(session, record, attachment_id), user=user
    )
    session.commit()
