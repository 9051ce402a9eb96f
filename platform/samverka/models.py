"""Imports every core model so that ``Base.metadata`` is complete (migrations, checks)."""

from samverka.auth.models import ConsortiumAdmin, User
from samverka.auth.token_models import ApiToken
from samverka.plugins.models import ConsortiumPlugin, PlatformPluginSetting, TenantPlugin
from samverka.tenants.models import Consortium, Membership, Tenant, TenantKind, consortium_tenants

__all__ = [
    "ApiToken",
    "Consortium",
    "ConsortiumAdmin",
    "ConsortiumPlugin",
    "Membership",
    "PlatformPluginSetting",
    "Tenant",
    "TenantKind",
    "TenantPlugin",
    "User",
    "consortium_tenants",
]
