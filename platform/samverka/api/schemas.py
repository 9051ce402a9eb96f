"""Request and response bodies (marshmallow): validation and the OpenAPI document's schemas.

Request schemas reject unknown fields (marshmallow's ``RAISE``), so a typo is a 422, not a
silently ignored setting.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from samverka.api.pagination import page_schema


class StrictSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class UserSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)


class TenantRefSchema(ma.Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)


class TenantSchema(TenantRefSchema):
    municipality_code = fields.String(required=True, allow_none=True)
    population = fields.Integer(required=True, allow_none=True)
    consortia = fields.List(
        fields.String(), required=True, metadata={"description": "Slugs of its consortia."}
    )


class TokenInfoSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String(
        required=True, allow_none=True, metadata={"description": "The role cap, if any."}
    )
    expires_at = fields.DateTime(required=True, allow_none=True)


class MeSchema(ma.Schema):
    user = fields.Nested(UserSchema, required=True)
    tenant = fields.Nested(TenantRefSchema, required=True)
    roles = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Effective roles: the user's roles here, at most the cap."},
    )
    token = fields.Nested(TokenInfoSchema, required=True)


class ConsortiumSchema(ma.Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    county_code = fields.String(required=True, allow_none=True)


class ConsortiumDetailSchema(ConsortiumSchema):
    members = fields.List(
        fields.Nested(TenantRefSchema),
        required=True,
        metadata={"description": "The consortium's organisations (names only)."},
    )


class MemberSchema(ma.Schema):
    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)


class MemberCreateSchema(StrictSchema):
    email = fields.String(required=True, validate=ma.validate.Length(min=3, max=254))
    role = fields.String(required=True, validate=ma.validate.Length(min=1, max=63))
    name = fields.String(
        validate=ma.validate.Length(min=1, max=200),
        metadata={"description": "Needed only when no user has this e-mail address yet."},
    )


class PluginSchema(ma.Schema):
    name = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    version = fields.String(required=True)
    available = fields.Boolean(
        required=True, metadata={"description": "Offered by one of the tenant's consortia."}
    )
    enabled = fields.Boolean(required=True)
    config_schema = fields.Dict(required=True)


class PluginEnableSchema(StrictSchema):
    config = fields.Dict(
        keys=fields.String(),
        metadata={"description": "The tenant's own settings; omitted: keep the stored ones."},
    )


class TenantPluginSchema(ma.Schema):
    name = fields.String(required=True)
    enabled = fields.Boolean(required=True)
    config = fields.Dict(required=True, metadata={"description": "The tenant's own settings."})
    effective_config = fields.Dict(
        required=True, metadata={"description": "Platform → consortium → tenant, merged."}
    )


ConsortiumPage = page_schema(ConsortiumSchema, "ConsortiumPage")
TenantPage = page_schema(TenantSchema, "TenantPage")
MemberPage = page_schema(MemberSchema, "MemberPage")
PluginPage = page_schema(PluginSchema, "PluginPage")
